// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

_Static_assert(crypto_shorthash_siphash24_KEYBYTES == 16, "crypto_hash64 takes a 16-byte key");
_Static_assert(crypto_shorthash_siphash24_BYTES == 8, "SipHash-2-4 yields 64 bits");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == CRYPTO_KEY_SIZE, "AEAD key size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == CRYPTO_TAG_SIZE, "AEAD tag size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == CRYPTO_NONCE_SIZE + 8,
	       "the AEAD nonce is a session nonce and a 64-bit counter");
_Static_assert(crypto_generichash_KEYBYTES_MAX >= CRYPTO_KEY_SIZE, "the PSK keys BLAKE2b");

/* Domain separation: a key derived for one use is never the key of another. */
static const char hello_label[] = "tcpfw-sync-hello-v1";
static const char data_label[] = "tcpfw-sync-data-v1";

int crypto_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

uint64_t crypto_hash64(const void *in, size_t len, const uint8_t key[16])
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t h;

	/* SipHash-2-4 is plain C in libsodium: it needs no sodium_init() and touches no state. */
	crypto_shorthash_siphash24(out, in, len, key);
	memcpy(&h, out, sizeof(h));
	return le64toh(h);
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int crypto_key_parse(const uint8_t *text, size_t len, uint8_t key[CRYPTO_KEY_SIZE])
{
	uint8_t bin[CRYPTO_KEY_SIZE];
	const char *end;
	size_t bin_len = 0;

	if (len == CRYPTO_KEY_SIZE) {
		memcpy(key, text, CRYPTO_KEY_SIZE);
		return 0;
	}
	while (len && is_space(text[0])) {
		text++;
		len--;
	}
	while (len && is_space(text[len - 1]))
		len--;
	if (len != 2 * CRYPTO_KEY_SIZE)
		return -EINVAL;
	if (sodium_hex2bin(bin, sizeof(bin), (const char *)text, len, NULL, &bin_len, &end) != 0 ||
	    bin_len != CRYPTO_KEY_SIZE || end != (const char *)text + len) {
		sodium_memzero(bin, sizeof(bin));
		return -EINVAL;
	}
	memcpy(key, bin, CRYPTO_KEY_SIZE);
	sodium_memzero(bin, sizeof(bin));
	return 0;
}

/* BLAKE2b keyed with the PSK over label || a || b (a and b may be NULL: left out). */
static void derive(const uint8_t psk[CRYPTO_KEY_SIZE], const char *label, size_t label_len,
		   const uint8_t *a, const uint8_t *b, uint8_t out[CRYPTO_KEY_SIZE])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, psk, CRYPTO_KEY_SIZE, CRYPTO_KEY_SIZE);
	crypto_generichash_update(&st, (const unsigned char *)label, label_len);
	if (a)
		crypto_generichash_update(&st, a, CRYPTO_NONCE_SIZE);
	if (b)
		crypto_generichash_update(&st, b, CRYPTO_NONCE_SIZE);
	crypto_generichash_final(&st, out, CRYPTO_KEY_SIZE);
	sodium_memzero(&st, sizeof(st));
}

void crypto_hello_key(const uint8_t psk[CRYPTO_KEY_SIZE], uint8_t out[CRYPTO_KEY_SIZE])
{
	derive(psk, hello_label, sizeof(hello_label) - 1, NULL, NULL, out);
}

void crypto_session_key(const uint8_t psk[CRYPTO_KEY_SIZE], const uint8_t from[CRYPTO_NONCE_SIZE],
			const uint8_t to[CRYPTO_NONCE_SIZE], uint8_t out[CRYPTO_KEY_SIZE])
{
	derive(psk, data_label, sizeof(data_label) - 1, from, to, out);
}

/* sender || counter (8 bytes, little-endian): unique while the sender's counter never repeats. */
static void make_nonce(uint8_t npub[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
		       const uint8_t sender[CRYPTO_NONCE_SIZE], uint64_t counter)
{
	memcpy(npub, sender, CRYPTO_NONCE_SIZE);
	for (unsigned i = 0; i < 8; i++)
		npub[CRYPTO_NONCE_SIZE + i] = (uint8_t)(counter >> (8 * i));
}

void crypto_seal(uint8_t *out, const uint8_t *plain, size_t len, const uint8_t *ad, size_t ad_len,
		 const uint8_t sender[CRYPTO_NONCE_SIZE], uint64_t counter,
		 const uint8_t key[CRYPTO_KEY_SIZE])
{
	uint8_t npub[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

	make_nonce(npub, sender, counter);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, plain, len, ad, ad_len, NULL, npub,
						   key);
}

int crypto_open(uint8_t *out, const uint8_t *sealed, size_t len, const uint8_t *ad, size_t ad_len,
		const uint8_t sender[CRYPTO_NONCE_SIZE], uint64_t counter,
		const uint8_t key[CRYPTO_KEY_SIZE])
{
	uint8_t npub[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

	if (len < CRYPTO_TAG_SIZE)
		return -EBADMSG;
	make_nonce(npub, sender, counter);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, sealed, len, ad, ad_len,
						       npub, key) != 0) {
		memset(out, 0, len - CRYPTO_TAG_SIZE);
		return -EBADMSG;
	}
	return 0;
}
