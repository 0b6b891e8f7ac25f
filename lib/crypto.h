/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypto - the one home of libsodium in lib/: the keyed flow hash and the sync protocol's keys
 * and authenticated encryption. Callers never include sodium.h.
 *
 * Sync keys: a pre-shared key (CRYPTO_KEY_SIZE random bytes, from the operator's key file)
 * yields a HELLO key, and each session's two data keys (one per direction) come from the PSK
 * and both nodes' fresh session nonces, so no datagram of an earlier session authenticates in a
 * later one. The AEAD is XChaCha20-Poly1305 (IETF): its 24-byte nonce is the sender's 16-byte
 * session nonce followed by its 8-byte datagram counter, unique for the key's life.
 *
 * Pure: no I/O, no clock, no randomness (the caller supplies nonces). crypto_init() must have
 * been called once (it is idempotent and thread-safe) before the AEAD functions.
 */
#ifndef TCPFW_CRYPTO_H
#define TCPFW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_SIZE	  32
#define CRYPTO_NONCE_SIZE 16 /* a node's session nonce */
#define CRYPTO_TAG_SIZE	  16

/* 0, or -EIO when libsodium cannot initialise. */
int crypto_init(void);

/* SipHash-2-4 of len bytes under a 16-byte key (the flow table's bucket hash). */
uint64_t crypto_hash64(const void *in, size_t len, const uint8_t key[16]);

/*
 * Parses a key file's contents: exactly CRYPTO_KEY_SIZE raw bytes, or 2 * CRYPTO_KEY_SIZE hex
 * digits with optional surrounding whitespace (`openssl rand -hex 32`). Returns 0 and fills
 * key, or -EINVAL.
 */
int crypto_key_parse(const uint8_t *text, size_t len, uint8_t key[CRYPTO_KEY_SIZE]);

/* The HELLO key of a pre-shared key. */
void crypto_hello_key(const uint8_t psk[CRYPTO_KEY_SIZE], uint8_t out[CRYPTO_KEY_SIZE]);

/*
 * The key for datagrams from the node with session nonce `from` to the node with `to`, in a
 * session between the two: a different key each direction and each pair of nonces.
 */
void crypto_session_key(const uint8_t psk[CRYPTO_KEY_SIZE], const uint8_t from[CRYPTO_NONCE_SIZE],
			const uint8_t to[CRYPTO_NONCE_SIZE], uint8_t out[CRYPTO_KEY_SIZE]);

/*
 * Encrypts len bytes of plain into out (len + CRYPTO_TAG_SIZE bytes; out may equal plain),
 * authenticating ad_len bytes of ad too, under key with the nonce (sender, counter).
 */
void crypto_seal(uint8_t *out, const uint8_t *plain, size_t len, const uint8_t *ad, size_t ad_len,
		 const uint8_t sender[CRYPTO_NONCE_SIZE], uint64_t counter,
		 const uint8_t key[CRYPTO_KEY_SIZE]);

/*
 * Decrypts and checks len bytes of sealed (ciphertext and tag) into out (len -
 * CRYPTO_TAG_SIZE bytes; out may equal sealed). Returns 0, or -EBADMSG when it does not
 * authenticate (out is then zeroed).
 */
int crypto_open(uint8_t *out, const uint8_t *sealed, size_t len, const uint8_t *ad, size_t ad_len,
		const uint8_t sender[CRYPTO_NONCE_SIZE], uint64_t counter,
		const uint8_t key[CRYPTO_KEY_SIZE]);

#endif /* TCPFW_CRYPTO_H */
