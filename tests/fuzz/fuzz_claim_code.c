/* fuzz_claim_code.c: libFuzzer harness of claim code reading (what a person types on the claim page). */
#include <stdlib.h>
#include <string.h>

#include "claim_code.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct claim_code code, again;
	char shown[CLAIM_CODE_FORMATTED_SIZE];
	struct sirius_error err = { "" };
	enum claim_code_error rc;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	rc = claim_code_decode(text, &code);
	FUZZ_CHECK(claim_code_error_message(rc) != NULL);
	FUZZ_CHECK((claim_code_parse(text, NULL, &err) == 0) == (rc == CLAIM_CODE_OK));
	if (rc == CLAIM_CODE_OK) {
		/* a code read back from its shown form, or built from its fields, is the same code */
		FUZZ_CHECK(strlen(code.digits) == CLAIM_CODE_DIGITS);
		FUZZ_CHECK(code.hardware_xor <= CLAIM_CODE_XOR_MAX && code.secret <= CLAIM_CODE_SECRET_MAX);
		claim_code_format(&code, shown);
		FUZZ_CHECK(claim_code_decode(shown, &again) == CLAIM_CODE_OK);
		FUZZ_CHECK(strcmp(again.digits, code.digits) == 0);
		FUZZ_CHECK(claim_code_encode(code.hardware_xor, code.secret, &again) == 0);
		FUZZ_CHECK(strcmp(again.digits, code.digits) == 0);
	}
	free(text);
	return 0;
}
