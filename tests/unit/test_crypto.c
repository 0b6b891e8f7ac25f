// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto: the flow hash against SipHash-2-4's published vectors, the key derivations and the
 * AEAD's nonce against their definitions in crypto.h (computed here with libsodium directly),
 * seal/open round trips, every tampered byte of ciphertext, tag and associated data refused,
 * wrong keys and nonces refused, and the key file's two forms and its malformed ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

static const uint8_t psk[CRYPTO_KEY_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, [31] = 0xff};
static const uint8_t node_a[CRYPTO_NONCE_SIZE] = {0xaa, 1, 2, 3, [15] = 0x0a};
static const uint8_t node_b[CRYPTO_NONCE_SIZE] = {0xbb, 1, 2, 3, [15] = 0x0b};

static int setup(void **state)
{
	(void)state;
	return crypto_init();
}

static void test_init_twice(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(crypto_init(), 0);
}

/* SipHash-2-4 with key 00..0f (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * appendix A and the reference implementation's vectors). */
static void test_hash64_vectors(void **state)
{
	uint8_t key[16], msg[15];

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(crypto_hash64(msg, 0, key) == 0x726fdb47dd0e0e31ull);
	assert_true(crypto_hash64(msg, 15, key) == 0xa129ca6149be45e5ull);
	key[0] ^= 1;
	assert_true(crypto_hash64(msg, 15, key) != 0xa129ca6149be45e5ull);
}

static void blake2b(const char *label, const uint8_t *a, const uint8_t *b, uint8_t *out)
{
	uint8_t in[64];
	size_t n = strlen(label);

	memcpy(in, label, n);
	if (a) {
		memcpy(in + n, a, CRYPTO_NONCE_SIZE);
		memcpy(in + n + CRYPTO_NONCE_SIZE, b, CRYPTO_NONCE_SIZE);
		n += 2 * CRYPTO_NONCE_SIZE;
	}
	assert_int_equal(crypto_generichash(out, CRYPTO_KEY_SIZE, in, n, psk, sizeof(psk)), 0);
}

static void test_key_derivation(void **state)
{
	uint8_t hello[CRYPTO_KEY_SIZE], ab[CRYPTO_KEY_SIZE], ba[CRYPTO_KEY_SIZE];
	uint8_t want[CRYPTO_KEY_SIZE], other[CRYPTO_KEY_SIZE], psk2[CRYPTO_KEY_SIZE];

	(void)state;
	crypto_hello_key(psk, hello);
	blake2b("tcpfw-sync-hello-v1", NULL, NULL, want);
	assert_memory_equal(hello, want, sizeof(want));

	crypto_session_key(psk, node_a, node_b, ab);
	blake2b("tcpfw-sync-data-v1", node_a, node_b, want);
	assert_memory_equal(ab, want, sizeof(want));

	/* each direction its own key, and neither is the HELLO key */
	crypto_session_key(psk, node_b, node_a, ba);
	assert_memory_not_equal(ab, ba, sizeof(ab));
	assert_memory_not_equal(ab, hello, sizeof(ab));
	assert_memory_not_equal(ba, hello, sizeof(ba));

	/* another PSK, or a new nonce on either side, gives another key */
	memcpy(psk2, psk, sizeof(psk2));
	psk2[7] ^= 0x40;
	crypto_session_key(psk2, node_a, node_b, other);
	assert_memory_not_equal(ab, other, sizeof(ab));
	crypto_hello_key(psk2, other);
	assert_memory_not_equal(hello, other, sizeof(hello));
	crypto_session_key(psk, node_a, node_a, other);
	assert_memory_not_equal(ab, other, sizeof(ab));
}

/* The nonce is sender || counter, little-endian: the bytes libsodium makes from it directly. */
static void test_nonce_layout(void **state)
{
	uint8_t key[CRYPTO_KEY_SIZE], npub[24], ad[5] = "head";
	uint8_t plain[40], mine[40 + CRYPTO_TAG_SIZE], ref[40 + CRYPTO_TAG_SIZE];
	uint64_t counter = 0x0102030405060708ull;

	(void)state;
	crypto_hello_key(psk, key);
	for (unsigned i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 7);
	memcpy(npub, node_a, 16);
	for (unsigned i = 0; i < 8; i++)
		npub[16 + i] = (uint8_t)(counter >> (8 * i));
	crypto_aead_xchacha20poly1305_ietf_encrypt(ref, NULL, plain, sizeof(plain), ad, sizeof(ad),
						   NULL, npub, key);
	crypto_seal(mine, plain, sizeof(plain), ad, sizeof(ad), node_a, counter, key);
	assert_memory_equal(mine, ref, sizeof(ref));
}

static void test_round_trip(void **state)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1404};
	static uint8_t plain[1404], sealed[1404 + CRYPTO_TAG_SIZE], back[1404 + CRYPTO_TAG_SIZE];
	uint8_t key[CRYPTO_KEY_SIZE], ad[32];

	(void)state;
	crypto_session_key(psk, node_a, node_b, key);
	for (unsigned i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 31 + 5);
	memset(ad, 0x11, sizeof(ad));
	for (unsigned k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t n = lens[k];

		crypto_seal(sealed, plain, n, ad, sizeof(ad), node_a, k + 1, key);
		if (n)
			assert_memory_not_equal(sealed, plain, n);
		memset(back, 0xee, sizeof(back));
		assert_int_equal(crypto_open(back, sealed, n + CRYPTO_TAG_SIZE, ad, sizeof(ad),
					     node_a, k + 1, key),
				 0);
		assert_memory_equal(back, plain, n);
		/* in place, both ways */
		memcpy(back, plain, n);
		crypto_seal(back, back, n, ad, sizeof(ad), node_a, k + 1, key);
		assert_memory_equal(back, sealed, n + CRYPTO_TAG_SIZE);
		assert_int_equal(crypto_open(back, back, n + CRYPTO_TAG_SIZE, ad, sizeof(ad),
					     node_a, k + 1, key),
				 0);
		assert_memory_equal(back, plain, n);
	}
	/* no associated data at all */
	crypto_seal(sealed, plain, 10, NULL, 0, node_b, 9, key);
	assert_int_equal(crypto_open(back, sealed, 10 + CRYPTO_TAG_SIZE, NULL, 0, node_b, 9, key),
			 0);
}

static void expect_bad(const uint8_t *sealed, size_t len, const uint8_t *ad, size_t ad_len,
		       const uint8_t *sender, uint64_t counter, const uint8_t *key)
{
	uint8_t out[256];

	memset(out, 0xee, sizeof(out));
	assert_int_equal(crypto_open(out, sealed, len, ad, ad_len, sender, counter, key), -EBADMSG);
	/* nothing of a forgery is left to read */
	for (size_t i = 0; len >= CRYPTO_TAG_SIZE && i < len - CRYPTO_TAG_SIZE; i++)
		assert_int_equal(out[i], 0);
}

static void test_tamper(void **state)
{
	uint8_t key[CRYPTO_KEY_SIZE], other[CRYPTO_KEY_SIZE], ad[32], plain[64];
	uint8_t sealed[64 + CRYPTO_TAG_SIZE];
	const size_t len = sizeof(sealed);

	(void)state;
	crypto_session_key(psk, node_a, node_b, key);
	memset(plain, 0x42, sizeof(plain));
	for (unsigned i = 0; i < sizeof(ad); i++)
		ad[i] = (uint8_t)i;
	crypto_seal(sealed, plain, sizeof(plain), ad, sizeof(ad), node_a, 77, key);

	for (size_t i = 0; i < len; i++) { /* every byte of ciphertext and tag */
		for (unsigned bit = 0; bit < 8; bit += 7) {
			sealed[i] ^= (uint8_t)(1u << bit);
			expect_bad(sealed, len, ad, sizeof(ad), node_a, 77, key);
			sealed[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (size_t i = 0; i < sizeof(ad); i++) { /* every byte of the associated data */
		ad[i] ^= 0x80;
		expect_bad(sealed, len, ad, sizeof(ad), node_a, 77, key);
		ad[i] ^= 0x80;
	}
	/* shorter or longer associated data, a cut ciphertext, one shorter than a tag */
	expect_bad(sealed, len, ad, sizeof(ad) - 1, node_a, 77, key);
	expect_bad(sealed, len, ad, 0, node_a, 77, key);
	expect_bad(sealed, len - 1, ad, sizeof(ad), node_a, 77, key);
	expect_bad(sealed, CRYPTO_TAG_SIZE - 1, ad, sizeof(ad), node_a, 77, key);
	expect_bad(sealed, 0, ad, sizeof(ad), node_a, 77, key);

	/* the wrong key (the other direction's, the HELLO key), sender or counter */
	crypto_session_key(psk, node_b, node_a, other);
	expect_bad(sealed, len, ad, sizeof(ad), node_a, 77, other);
	crypto_hello_key(psk, other);
	expect_bad(sealed, len, ad, sizeof(ad), node_a, 77, other);
	expect_bad(sealed, len, ad, sizeof(ad), node_b, 77, key);
	expect_bad(sealed, len, ad, sizeof(ad), node_a, 78, key);
	expect_bad(sealed, len, ad, sizeof(ad), node_a, 77 | 1ull << 56, key);

	uint8_t out[64];
	assert_int_equal(crypto_open(out, sealed, len, ad, sizeof(ad), node_a, 77, key), 0);
	assert_memory_equal(out, plain, sizeof(plain));
}

static const char hex_key[] = "000102030405060708090a0b0c0d0e0f"
			      "F0E1D2C3B4A5968778695A4B3C2D1E0F";

static void expect_key(const char *text, size_t len)
{
	uint8_t key[CRYPTO_KEY_SIZE];

	memset(key, 0x77, sizeof(key));
	assert_int_equal(crypto_key_parse((const uint8_t *)text, len, key), 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(key[i], i);
	assert_int_equal(key[16], 0xf0);
	assert_int_equal(key[31], 0x0f);
}

static void expect_no_key(const char *text, size_t len)
{
	uint8_t key[CRYPTO_KEY_SIZE], untouched[CRYPTO_KEY_SIZE];

	memset(key, 0x77, sizeof(key));
	memcpy(untouched, key, sizeof(key));
	if (crypto_key_parse((const uint8_t *)text, len, key) != -EINVAL)
		fail_msg("accepted a key file of %zu bytes: \"%.*s\"", len, (int)len, text);
	assert_memory_equal(key, untouched, sizeof(key));
}

static void test_key_parse(void **state)
{
	char buf[200];
	uint8_t raw[CRYPTO_KEY_SIZE], key[CRYPTO_KEY_SIZE];

	(void)state;
	/* raw: exactly 32 bytes, whatever they are (spaces and newlines too) */
	for (unsigned i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i % 2 ? '\n' : 0xff - i);
	assert_int_equal(crypto_key_parse(raw, sizeof(raw), key), 0);
	assert_memory_equal(key, raw, sizeof(raw));
	memcpy(buf, hex_key, 32); /* 32 hex digits are 32 raw bytes, not half a hex key */
	assert_int_equal(crypto_key_parse((const uint8_t *)buf, 32, key), 0);
	assert_memory_equal(key, hex_key, 32);

	/* hex: 64 digits, either case, with whitespace around them */
	expect_key(hex_key, 64);
	snprintf(buf, sizeof(buf), "%s\n", hex_key);
	expect_key(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "  \t%s \r\n\n", hex_key);
	expect_key(buf, strlen(buf));

	/* wrong lengths */
	expect_no_key("", 0);
	expect_no_key("\n", 1);
	expect_no_key(hex_key, 31);
	expect_no_key(hex_key, 33);
	expect_no_key(hex_key, 62);
	expect_no_key(hex_key, 63);
	snprintf(buf, sizeof(buf), "%s0", hex_key);
	expect_no_key(buf, 65);
	snprintf(buf, sizeof(buf), "%s00\n", hex_key);
	expect_no_key(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%s%s", hex_key, hex_key);
	expect_no_key(buf, 128);
	memset(buf, ' ', 64);
	expect_no_key(buf, 64);

	/* bad hex: a non-digit anywhere, whitespace inside, a 0x prefix, a NUL */
	for (unsigned pos = 0; pos < 64; pos += 9) {
		memcpy(buf, hex_key, 64);
		buf[pos] = 'g';
		expect_no_key(buf, 64);
		buf[pos] = ' ';
		expect_no_key(buf, 64);
		buf[pos] = '\0';
		expect_no_key(buf, 64);
	}
	snprintf(buf, sizeof(buf), "0x%.62s", hex_key);
	expect_no_key(buf, 64);
	snprintf(buf, sizeof(buf), "%.32s %.32s", hex_key, hex_key + 32);
	expect_no_key(buf, 65);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_twice),     cmocka_unit_test(test_hash64_vectors),
		cmocka_unit_test(test_key_derivation), cmocka_unit_test(test_nonce_layout),
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_key_parse),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
