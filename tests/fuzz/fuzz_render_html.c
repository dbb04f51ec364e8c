/* fuzz_render_html.c: libFuzzer harness of the native renderer: HTML and plain text to a one-bit print, under small limits. */
#include <string.h>

#include "fuzz.h"
#include "render.h"

/*
 * The first byte chooses the kind (bit 0: plain text instead of HTML) and
 * the template (bit 1); the rest is the message. The limits are small so
 * that one input renders in milliseconds; the checks are the same as with
 * the defaults.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render_limits limits;
	struct render_options options;
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_status status;
	enum render_kind kind;

	if (size < 1)
		return 0;
	kind = data[0] & 1 ? RENDER_TEXT : RENDER_HTML;
	memset(&options, 0, sizeof(options));
	options.use_template = (data[0] & 2) != 0;
	options.sender = "fuzz";
	options.when = 1700000000;
	options.timezone = "UTC";
	render_limits_default(&limits);
	limits.max_body_bytes = 64 * 1024;
	limits.max_image_pixels = 512 * 512;
	limits.max_depth = 48;
	limits.max_elements = 400;
	limits.max_millis = 3000;
	limits.max_rows = 800;
	memset(&result, 0, sizeof(result));
	status = render_message(kind, data + 1, size - 1, &options, &limits, &result, &err);
	if (status == RENDER_OK) {
		FUZZ_CHECK(result.bitmap != NULL);
		FUZZ_CHECK(result.bitmap->width == PRINTER_WIDTH);
		FUZZ_CHECK(result.bitmap->height >= 1 && result.bitmap->height <= limits.max_rows);
		bitmap_free(result.bitmap);
	} else {
		FUZZ_CHECK(result.bitmap == NULL);
		FUZZ_CHECK(err.message[0] != '\0');
	}
	return 0;
}
