/* fake_printer_file.c: writing and reading ADDRESS.printer files. */
#include "fake_printer_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The labels in file order; each is printed right-aligned to LABEL_WIDTH. */
#define LABEL_WIDTH 12
enum { LINE_ADDRESS, LINE_DB_ID, LINE_SECRET, LINE_XOR, LINE_CLAIM_CODE, LINE_COUNT };
static const char *const labels[LINE_COUNT] = { "address", "DB id", "secret", "xor", "claim code" };

/* The longest line we read; real lines are under 40 characters. */
#define LINE_MAX_LEN 256

int fake_printer_write(FILE *f, const struct fake_printer *p)
{
	int n = fprintf(f, "%*s: %s\n%*s: %lld\n%*s: %010" PRIx64 "\n%*s: %" PRIu32 "\n%*s: %s\n",
			LABEL_WIDTH, labels[LINE_ADDRESS], p->address,
			LABEL_WIDTH, labels[LINE_DB_ID], p->db_id,
			LABEL_WIDTH, labels[LINE_SECRET], p->secret,
			LABEL_WIDTH, labels[LINE_XOR], p->hardware_xor,
			LABEL_WIDTH, labels[LINE_CLAIM_CODE], p->claim_code);

	return n < 0 ? -1 : 0;
}

int fake_printer_save(const char *path, const struct fake_printer *p, struct sirius_error *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return error_set(err, "cannot create %s: %s", path, strerror(errno));
	if (fake_printer_write(f, p) != 0) {
		int saved = errno;

		fclose(f);
		return error_set(err, "cannot write %s: %s", path, strerror(saved));
	}
	if (fclose(f) != 0)
		return error_set(err, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/*
 * Splits "   label: value" into its label (leading blanks dropped) and value.
 * Returns the line's index in labels, or -1 when it is not one of them.
 */
static int parse_line(char *line, char **value)
{
	char *colon = strchr(line, ':');
	char *label = line;
	int i;

	if (!colon)
		return -1;
	*colon = '\0';
	while (*label == ' ')
		label++;
	*value = colon + 1;
	while (**value == ' ')
		(*value)++;
	for (i = 0; i < LINE_COUNT; i++)
		if (strcmp(label, labels[i]) == 0)
			return i;
	return -1;
}

/*
 * Parses an unsigned number of base 10 or 16 that is the whole text.
 * Returns 0 with *out set, or -1 when the text is not one.
 */
static int parse_unsigned(const char *text, int base, unsigned long long *out)
{
	char *end;

	if (*text == '\0' || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/*
 * Checks that the fields read agree with each other. Returns 0, or -1 with
 * the first disagreement in err.
 */
static int check_consistent(const char *path, struct fake_printer *p, struct sirius_error *err)
{
	struct claim_code code;
	uint32_t xor;

	if (device_address_hardware_xor(p->address, &xor) != 0)
		return error_set(err, "%s: the address is not 16 lower-case hex digits", path);
	if (xor != p->hardware_xor)
		return error_set(err, "%s: xor %" PRIu32 " is not the xor of %s (%" PRIu32 ")", path,
				 p->hardware_xor, p->address, xor);
	if (claim_code_decode(p->claim_code, &code) != CLAIM_CODE_OK)
		return error_set(err, "%s: the claim code is invalid", path);
	if (code.hardware_xor != p->hardware_xor || code.secret != p->secret)
		return error_set(err, "%s: the claim code does not carry this xor and secret", path);
	return 0;
}

int fake_printer_load(const char *path, struct fake_printer *p, struct sirius_error *err)
{
	char line[LINE_MAX_LEN];
	unsigned long long number;
	int seen[LINE_COUNT] = { 0 };
	int lineno = 0, i;
	FILE *f = fopen(path, "r");

	memset(p, 0, sizeof(*p));
	if (!f)
		return error_set(err, "cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *value;
		size_t len = strlen(line);
		int which;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			fclose(f);
			return error_set(err, "%s:%d: line too long", path, lineno);
		}
		if (len == 0)
			continue;
		which = parse_line(line, &value);
		if (which < 0) {
			fclose(f);
			return error_set(err, "%s:%d: not a printer file line", path, lineno);
		}
		seen[which] = 1;
		switch (which) {
		case LINE_ADDRESS:
			if (!device_address_valid(value))
				goto bad_value;
			memcpy(p->address, value, DEVICE_ADDRESS_LEN + 1);
			break;
		case LINE_DB_ID:
			if (parse_unsigned(value, 10, &number) != 0 || number > INT64_MAX)
				goto bad_value;
			p->db_id = (long long)number;
			break;
		case LINE_SECRET:
			if (strlen(value) != 10 || parse_unsigned(value, 16, &number) != 0)
				goto bad_value;
			p->secret = number;
			break;
		case LINE_XOR:
			if (parse_unsigned(value, 10, &number) != 0 || number > DEVICE_ADDRESS_XOR_MAX)
				goto bad_value;
			p->hardware_xor = (uint32_t)number;
			break;
		default:
			if (strlen(value) >= sizeof(p->claim_code))
				goto bad_value;
			strcpy(p->claim_code, value);
			break;
		}
		continue;
bad_value:
		fclose(f);
		return error_set(err, "%s:%d: invalid %s", path, lineno, labels[which]);
	}
	if (ferror(f)) {
		fclose(f);
		return error_set(err, "cannot read %s", path);
	}
	fclose(f);
	for (i = 0; i < LINE_COUNT; i++)
		if (!seen[i])
			return error_set(err, "%s: no %s line", path, labels[i]);
	return check_consistent(path, p, err);
}
