/* link_key.c: the Matyas-Meyer-Oseas hash of salt and secret, over OpenSSL's AES-128-ECB. */
#include "link_key.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "base64.h"
#include "claim_code.h"

#define BLOCK_SIZE 16

_Static_assert((LINK_KEY_SIZE + 2) / 3 * 4 + 1 == LINK_KEY_BASE64_SIZE,
	       "LINK_KEY_BASE64_SIZE holds the base64 of a key and its NUL");

/* The first block hashed: a constant of the original backend and the bridge. */
static const uint8_t salt[BLOCK_SIZE] = {
	0x38, 0x96, 0x10, 0xd9, 0xb6, 0xb1, 0x0d, 0x16,
	0x9e, 0xe9, 0xbf, 0x87, 0x95, 0x32, 0x62, 0x5b,
};

/* Bytes of the secret that are hashed, and the bit length of salt plus secret. */
#define SECRET_BYTES 5
#define MESSAGE_BITS ((BLOCK_SIZE + SECRET_BYTES) * 8)

/*
 * One step of the hash: hash = AES-128-ECB(key = hash, block) XOR block.
 * Returns 0, or -1 with libcrypto's reason in err.
 */
static int mmo_step(EVP_CIPHER_CTX *ctx, uint8_t hash[BLOCK_SIZE], const uint8_t block[BLOCK_SIZE],
		    struct sirius_error *err)
{
	uint8_t cipher[BLOCK_SIZE * 2]; /* room for a block more than ECB without padding writes */
	int len = 0, final_len = 0;
	char reason[256];
	size_t i;

	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hash, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_EncryptUpdate(ctx, cipher, &len, block, BLOCK_SIZE) != 1 ||
	    EVP_EncryptFinal_ex(ctx, cipher + len, &final_len) != 1) {
		OPENSSL_cleanse(cipher, sizeof(cipher));
		ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
		return error_set(err, "AES-128-ECB failed: %s", reason);
	}
	if (len + final_len != BLOCK_SIZE) {
		OPENSSL_cleanse(cipher, sizeof(cipher));
		return error_set(err, "AES-128-ECB gave %d bytes for one block", len + final_len);
	}
	for (i = 0; i < BLOCK_SIZE; i++)
		hash[i] = cipher[i] ^ block[i];
	OPENSSL_cleanse(cipher, sizeof(cipher));
	return 0;
}

int link_key_derive(uint64_t secret, uint8_t key[LINK_KEY_SIZE], struct sirius_error *err)
{
	uint8_t block[BLOCK_SIZE];
	EVP_CIPHER_CTX *ctx;
	int rc = -1;
	size_t i;

	memset(key, 0, LINK_KEY_SIZE);
	if (secret > CLAIM_CODE_SECRET_MAX)
		return error_set(err, "a claim code secret has 40 bits, not %#llx",
				 (unsigned long long)secret);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return error_set(err, "cannot allocate an OpenSSL cipher context");

	/* The second block: the secret, 0x80, zeros, then the bit length big-endian. */
	memset(block, 0, sizeof(block));
	for (i = 0; i < SECRET_BYTES; i++)
		block[i] = (uint8_t)(secret >> (8 * i));
	block[SECRET_BYTES] = 0x80;
	block[BLOCK_SIZE - 2] = (uint8_t)(MESSAGE_BITS >> 8);
	block[BLOCK_SIZE - 1] = (uint8_t)(MESSAGE_BITS & 0xFF);

	if (mmo_step(ctx, key, salt, err) == 0 && mmo_step(ctx, key, block, err) == 0)
		rc = 0;
	else
		OPENSSL_cleanse(key, LINK_KEY_SIZE);
	OPENSSL_cleanse(block, sizeof(block));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int link_key_from_secret(uint64_t secret, uint8_t key[LINK_KEY_SIZE])
{
	return link_key_derive(secret, key, NULL);
}

int link_key_base64(uint64_t secret, char out[LINK_KEY_BASE64_SIZE])
{
	uint8_t key[LINK_KEY_SIZE];

	out[0] = '\0';
	if (link_key_from_secret(secret, key) < 0)
		return -1;
	base64_encode(key, sizeof(key), out);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}
