/*
 * rtcstorm's native media plane (bots/native-plane/native-plane.ts drives it): the bots' media
 * sockets, SRTP (AES_CM_128_HMAC_SHA1_80, RFC 3711) and batched receiving with the kernel's receive
 * time per datagram. A send is one call, and poll() drains every readable socket into a caller's
 * buffers, so JavaScript sees a batch per tick instead of a callback per datagram. A voice batch's
 * clock runs on a thread of its own (a stalled event loop does not stop the bots talking, as a
 * browser's audio thread keeps sending); one lock, plane_lock, guards all the state, and every
 * JavaScript call holds it. Sockets are dup()ed from Node's, so a socket the WebRTC stack
 * closes stays ours until close(): its number can never be reused under us.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wmmintrin.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "voice_account.h"
#include "voice_send.h"
#include "send_ring.h"

#define TAG_BYTES 10
#define MAX_PAYLOAD 1500
/* Datagrams one recvmmsg takes from a socket. */
#define BATCH 16
/* One record per datagram handed to JavaScript, as doubles (native-plane.ts reads the same layout). */
#define RECORD_FIELDS 12
enum { R_CONN, R_KIND, R_ARRIVAL_MS, R_OFFSET, R_LENGTH, R_SSRC, R_SEQ, R_TIMESTAMP, R_PAYLOAD_START, R_PAYLOAD_END, R_PT_MARKER, R_WIDE_SEQ };
/* KIND_ACCOUNTED: RTP counted here (voice_account.c) into a watched account: R_ARRIVAL_MS is its arrival.
 * KIND_RTCP: an SRTCP compound unprotected in place, R_LENGTH its plain length. */
enum { KIND_RTP = 0, KIND_OTHER = 1, KIND_REJECTED = 2, KIND_ACCOUNTED = 3, KIND_RTCP = 4 };
/* SRTCP's E flag and 31-bit index, after the compound (RFC 3711 §3.4). */
#define SRTCP_INDEX_BYTES 4

/* ---------------------------------------------------------------- SRTP ----------------------- */

typedef struct {
  EVP_CIPHER_CTX *aes;
  /* AES-128's round keys, for AES-NI called directly (OpenSSL's EVP layer cost more than the cipher per packet). */
  __m128i rounds[11];
  uint8_t salt[14];
  /* SHA-1 states after the HMAC key's inner and outer pads: a tag is two block updates from here. */
  SHA_CTX inner, outer;
} srtp_keys_t;

/* AES-NI where the CPU has it (checked once); else OpenSSL's EVP does the same blocks. */
static int aes_ni;

__attribute__((target("aes,sse2"))) static __m128i expand_step(__m128i key, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  return _mm_xor_si128(key, assist);
}

__attribute__((target("aes,sse2"))) static void aes_ni_expand(const uint8_t *key, __m128i *rk) {
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  rk[1] = expand_step(rk[0], _mm_aeskeygenassist_si128(rk[0], 0x01));
  rk[2] = expand_step(rk[1], _mm_aeskeygenassist_si128(rk[1], 0x02));
  rk[3] = expand_step(rk[2], _mm_aeskeygenassist_si128(rk[2], 0x04));
  rk[4] = expand_step(rk[3], _mm_aeskeygenassist_si128(rk[3], 0x08));
  rk[5] = expand_step(rk[4], _mm_aeskeygenassist_si128(rk[4], 0x10));
  rk[6] = expand_step(rk[5], _mm_aeskeygenassist_si128(rk[5], 0x20));
  rk[7] = expand_step(rk[6], _mm_aeskeygenassist_si128(rk[6], 0x40));
  rk[8] = expand_step(rk[7], _mm_aeskeygenassist_si128(rk[7], 0x80));
  rk[9] = expand_step(rk[8], _mm_aeskeygenassist_si128(rk[8], 0x1b));
  rk[10] = expand_step(rk[9], _mm_aeskeygenassist_si128(rk[9], 0x36));
}

/* XORs AES-CM's keystream from counter block iv (block index in its last two bytes) into p[0, len). */
__attribute__((target("aes,sse2"))) static void aes_ni_ctr_xor(const __m128i *rk, const uint8_t iv[16], uint8_t *p, int len) {
  uint8_t block[16];
  memcpy(block, iv, 16);
  for (int b = 0, at = 0; at < len; b++, at += 16) {
    block[14] = (uint8_t)(b >> 8);
    block[15] = (uint8_t)b;
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)block), rk[0]);
    for (int r = 1; r < 10; r++) x = _mm_aesenc_si128(x, rk[r]);
    x = _mm_aesenclast_si128(x, rk[10]);
    uint8_t stream[16];
    _mm_storeu_si128((__m128i *)stream, x);
    int n = len - at < 16 ? len - at : 16;
    for (int i = 0; i < n; i++) p[at + i] ^= stream[i];
  }
}

/* HMAC-SHA1's two padded keys, hashed once (RFC 2104), for a key of at most 64 bytes. */
static void hmac_pads(const uint8_t *key, size_t len, SHA_CTX *inner, SHA_CTX *outer) {
  uint8_t pad[64];
  for (int i = 0; i < 64; i++) pad[i] = (uint8_t)(((size_t)i < len ? key[i] : 0) ^ 0x36);
  SHA1_Init(inner);
  SHA1_Update(inner, pad, 64);
  for (int i = 0; i < 64; i++) pad[i] = (uint8_t)(((size_t)i < len ? key[i] : 0) ^ 0x5c);
  SHA1_Init(outer);
  SHA1_Update(outer, pad, 64);
}

static int keys_init(srtp_keys_t *k, const uint8_t *cipher_key, const uint8_t *salt, const uint8_t *auth_key, size_t auth_len) {
  k->aes = EVP_CIPHER_CTX_new();
  /* ECB over counter blocks built here: keyed once, no per-packet re-initialisation (costly in OpenSSL 3). */
  if (!k->aes || EVP_EncryptInit_ex(k->aes, EVP_aes_128_ecb(), NULL, cipher_key, NULL) != 1) return 0;
  EVP_CIPHER_CTX_set_padding(k->aes, 0);
  if (aes_ni) aes_ni_expand(cipher_key, k->rounds);
  memcpy(k->salt, salt, 14);
  hmac_pads(auth_key, auth_len, &k->inner, &k->outer);
  return 1;
}

static void keys_free(srtp_keys_t *k) {
  if (k->aes) EVP_CIPHER_CTX_free(k->aes);
  k->aes = NULL;
}

/* XORs the keystream of packet index (roc, seq) of ssrc into p[0, len): AES-CM, IV = salt·2^16 ⊕ ssrc·2^64 ⊕ index·2^16. */
static int keystream(srtp_keys_t *k, uint8_t *p, int len, uint32_t ssrc, uint32_t roc, uint16_t seq) {
  uint8_t counters[MAX_PAYLOAD + 80], stream[MAX_PAYLOAD + 80];
  int blocks = (len + 15) / 16, out = 0;
  if (len <= 0) return 1;
  if (len > MAX_PAYLOAD + 64) return 0;
  uint8_t iv[16] = {0};
  memcpy(iv, k->salt, 14);
  iv[4] ^= ssrc >> 24; iv[5] ^= ssrc >> 16; iv[6] ^= ssrc >> 8; iv[7] ^= ssrc;
  iv[8] ^= roc >> 24; iv[9] ^= roc >> 16; iv[10] ^= roc >> 8; iv[11] ^= roc;
  iv[12] ^= seq >> 8; iv[13] ^= seq;
  if (aes_ni) {
    aes_ni_ctr_xor(k->rounds, iv, p, len);
    return 1;
  }
  for (int b = 0; b < blocks; b++) {
    memcpy(counters + 16 * b, iv, 14);
    counters[16 * b + 14] = (uint8_t)(b >> 8);
    counters[16 * b + 15] = (uint8_t)b;
  }
  if (EVP_EncryptUpdate(k->aes, stream, &out, counters, blocks * 16) != 1) return 0;
  for (int i = 0; i < len; i++) p[i] ^= stream[i];
  return 1;
}

/* HMAC-SHA1 of p[0, len) followed by roc (SRTP) or by nothing (SRTCP: with_roc 0), truncated to 80 bits. */
static void tag_of(srtp_keys_t *k, const uint8_t *p, int len, int with_roc, uint32_t roc, uint8_t out[TAG_BYTES]) {
  uint8_t inner[20], full[20], r[4] = {roc >> 24, roc >> 16, roc >> 8, roc};
  SHA_CTX c = k->inner;
  SHA1_Update(&c, p, (size_t)len);
  if (with_roc) SHA1_Update(&c, r, 4);
  SHA1_Final(inner, &c);
  c = k->outer;
  SHA1_Update(&c, inner, 20);
  SHA1_Final(full, &c);
  memcpy(out, full, TAG_BYTES);
}

static void tag(srtp_keys_t *k, const uint8_t *p, int len, uint32_t roc, uint8_t out[TAG_BYTES]) { tag_of(k, p, len, 1, roc, out); }

/* ---------------------------------------------------------------- connections ---------------- */

typedef struct { uint32_t ssrc; uint32_t roc; uint16_t highest; } rollover_t;

typedef struct {
  int fd;
  int open;
  /* Whether RTP is unprotected here; before, it goes to the stack as it came (it is still receiving). */
  int receiving;
  srtp_keys_t rx;
  int wide_seq_id;
  /* The next transport-wide sequence number of voice sent from C (voice_send.c) on this connection. */
  uint16_t wide_seq_out;
  /* The account its stamped voice is counted in (accounts[]), or -1: RTP goes to JavaScript. */
  int account;
  /* Whether SRTCP is done here (js_srtcp); before, RTCP goes to the stack as it came. */
  int srtcp;
  srtp_keys_t rtcp_rx, rtcp_tx;
  rollover_t *streams;
  int stream_count, stream_cap;
} conn_t;

typedef struct {
  int conn;
  int open;
  srtp_keys_t tx;
  uint32_t roc;
  int last_seq;
  /* Ids are reused: a voice in a batch keeps the generation of the sender it was given. */
  unsigned generation;
  /* The header voice sent from C gets on this SSRC. */
  rtp_header_spec_t header;
} sender_t;

typedef struct {
  account_t *account;
  /* Whether the next packet counted is handed to JavaScript as a KIND_ACCOUNTED record. */
  int watch;
} account_slot_t;

static conn_t *conns;
static int conn_cap;
static sender_t *senders;
static int sender_cap;
static int epfd = -1;
static account_slot_t *accounts;
typedef struct { voice_clip_t *clip; } clip_slot_t;
typedef struct {
  int open;
  voice_t voice;
  /* In a batch (voiceBatch): its group and slot, the sender it sends on (-1: off) and that sender's generation. */
  int group, slot, sender;
  unsigned sender_generation;
  double sent, skipped;
} voice_slot_t;
/* A batch's own clock (voiceBatchRun): a thread, or a libuv timer on the event loop, ticking each slot, so a tick never enters JavaScript. */
typedef struct {
  uv_timer_t handle;
  pthread_t thread;
  /* Signalled (under plane_lock) when the thread must look again: stop, or a voice joined. */
  pthread_cond_t wake;
  int thread_runs, stop;
  int group;
  /* The scheduler's 0 on uv_hrtime's clock (which performance.now() reads), and the slots handled so far. */
  uint64_t start_ns;
  int64_t done;
  double ptime_ms;
} batch_clock_t;
/* A send scheduler's voices, by slot of its packet time. */
typedef struct {
  int open;
  int slots;
  int **members;
  int *count, *cap;
  /* Allocated apart: groups is grown by realloc, and libuv keeps the handle's address. */
  batch_clock_t *clock;
} voice_group_t;
static voice_group_t *groups;
static int group_cap;
static pthread_mutex_t plane_lock = PTHREAD_MUTEX_INITIALIZER;
/* How many 1 ms slots a batch's thread handles per wake-up (RTCSTORM_NATIVE_SEND_WAKE_MS). */
static int wake_slots = 1;
static unsigned sender_generations;
static clip_slot_t *clips;
static int clip_cap;
static voice_slot_t *voices;
static int voice_cap;
static int account_cap;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int is_rtp(const uint8_t *p, ssize_t n) {
  return n >= 2 && p[0] >= 128 && p[0] <= 191 && (p[1] < 192 || p[1] > 223);
}

/* RFC 5761 §4: RTCP's packet types take the second byte's 192-223 on a shared port. */
static int is_rtcp(const uint8_t *p, ssize_t n) {
  return n >= 2 && p[0] >= 128 && p[0] <= 191 && p[1] >= 192 && p[1] <= 223;
}

/* An SRTCP index's keystream is SRTP's with the index's high 15 bits where the rollover counter goes (RFC 3711 §4.1.1). */
static int rtcp_keystream(srtp_keys_t *k, uint8_t *p, int len, uint32_t ssrc, uint32_t index) {
  return keystream(k, p, len, ssrc, index >> 16, (uint16_t)index);
}

/* Authenticates and decrypts an SRTCP compound in place; its plain length, or 0 if rejected. No replay
 * check, as the stack's own SRTCP has none. */
static int unprotect_rtcp(conn_t *c, uint8_t *p, int n) {
  int end = n - TAG_BYTES, plain = end - SRTCP_INDEX_BYTES;
  if (plain < 8) return 0;
  uint8_t expect[TAG_BYTES];
  tag_of(&c->rtcp_rx, p, end, 0, 0, expect);
  if (CRYPTO_memcmp(expect, p + end, TAG_BYTES) != 0) return 0;
  uint32_t index = be32(p + plain);
  if (index >> 31 && !rtcp_keystream(&c->rtcp_rx, p + 8, plain - 8, be32(p + 4), index & 0x7fffffff)) return 0;
  return plain;
}

/* RFC 3711 §3.3.1: the rollover counter the sender most likely used. */
static uint32_t estimate_roc(const rollover_t *s, uint16_t seq) {
  if (s->highest < 0x8000) return (int)seq - (int)s->highest > 0x8000 ? s->roc - 1 : s->roc;
  return (int)s->highest - 0x8000 > (int)seq ? s->roc + 1 : s->roc;
}

static rollover_t *find_stream(conn_t *c, uint32_t ssrc) {
  for (int i = 0; i < c->stream_count; i++)
    if (c->streams[i].ssrc == ssrc) return &c->streams[i];
  return NULL;
}

/* The value of one-byte header extension id as 16 bits, or -1 (RFC 8285). */
static int extension16(const uint8_t *p, int start, int end, int id) {
  int i = start;
  while (i < end) {
    uint8_t b = p[i];
    if (b == 0) { i++; continue; }
    int ext = b >> 4, len = (b & 0x0f) + 1;
    if (ext == 15) return -1;
    if (ext == id && len == 2 && i + 3 <= end) return be16(p + i + 1);
    i += 1 + len;
  }
  return -1;
}

/* Authenticates and decrypts an SRTP packet in place, filling rec; 0 if rejected. */
static int unprotect(conn_t *c, uint8_t *p, int n, double *rec) {
  int end = n - TAG_BYTES;
  if (end < 12 || p[0] >> 6 != 2) return 0;
  int header = 12 + 4 * (p[0] & 0x0f);
  int wide = -1;
  if (p[0] & 0x10) {
    if (header + 4 > end) return 0;
    int ext_start = header + 4;
    int profile = be16(p + header);
    header = ext_start + 4 * be16(p + header + 2);
    if (c->wide_seq_id && header <= end && profile == 0xbede) wide = extension16(p, ext_start, header, c->wide_seq_id);
  }
  if (header > end) return 0;
  uint16_t seq = be16(p + 2);
  uint32_t ssrc = be32(p + 8);
  rollover_t *s = find_stream(c, ssrc);
  uint32_t guess = s ? estimate_roc(s, seq) : 0;
  uint8_t expect[TAG_BYTES];
  tag(&c->rx, p, end, guess, expect);
  if (CRYPTO_memcmp(expect, p + end, TAG_BYTES) != 0) return 0;
  if (!s) {
    if (c->stream_count == c->stream_cap) {
      int cap = c->stream_cap ? c->stream_cap * 2 : 8;
      rollover_t *grown = realloc(c->streams, (size_t)cap * sizeof *grown);
      if (!grown) return 0;
      c->streams = grown;
      c->stream_cap = cap;
    }
    s = &c->streams[c->stream_count++];
    s->ssrc = ssrc;
    s->roc = guess;
    s->highest = seq;
  } else if (guess == s->roc + 1) {
    s->roc = guess;
    s->highest = seq;
  } else if (guess == s->roc && seq > s->highest) {
    s->highest = seq;
  }
  if (!keystream(&c->rx, p + header, end - header, ssrc, guess, seq)) return 0;
  int payload_end = end;
  if (p[0] & 0x20) {
    payload_end -= p[end - 1];
    if (payload_end < header) return 0;
  }
  rec[R_SSRC] = ssrc;
  rec[R_SEQ] = seq;
  rec[R_TIMESTAMP] = be32(p + 4);
  rec[R_PAYLOAD_START] = header;
  rec[R_PAYLOAD_END] = payload_end;
  rec[R_PT_MARKER] = (p[1] & 0x7f) | (p[1] & 0x80 ? 128 : 0);
  rec[R_WIDE_SEQ] = wide;
  return 1;
}

/* ---------------------------------------------------------------- N-API helpers -------------- */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "rtcstorm native media: " #call " failed"); return NULL; } } while (0)
#define ARGS(n) size_t argc = n; napi_value argv[n]; CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL)); if (argc < n) { napi_throw_type_error(env, NULL, "rtcstorm native media: too few arguments"); return NULL; }

static napi_value num(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }
static napi_value boolean(napi_env env, int v) { napi_value r; napi_get_boolean(env, v, &r); return r; }

static int get_int(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }
static int get_double(napi_env env, napi_value v, double *out) { return napi_get_value_double(env, v, out) == napi_ok; }

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  void *d;
  if (napi_get_buffer_info(env, v, &d, len) != napi_ok) return 0;
  *data = d;
  return 1;
}

static conn_t *conn_at(int id) { return id >= 0 && id < conn_cap && conns[id].open ? &conns[id] : NULL; }
static account_slot_t *account_at(int id) { return id >= 0 && id < account_cap && accounts[id].account ? &accounts[id] : NULL; }
static sender_t *sender_at(int id) { return id >= 0 && id < sender_cap && senders[id].open ? &senders[id] : NULL; }

static int grow(void **items, int *cap, size_t size) {
  int next = *cap ? *cap * 2 : 64;
  void *grown = realloc(*items, (size_t)next * size);
  if (!grown) return 0;
  memset((char *)grown + (size_t)*cap * size, 0, (size_t)(next - *cap) * size);
  *items = grown;
  *cap = next;
  return 1;
}

/* ---------------------------------------------------------------- exports -------------------- */

/* open(fd, host, port, cipherKey, salt, authKey) -> id: takes a copy of Node's socket, connected to host:port. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  ARGS(6);
  int32_t fd, port;
  char host[64];
  size_t host_len;
  uint8_t *key, *salt, *auth;
  size_t key_len, salt_len, auth_len;
  if (!get_int(env, argv[0], &fd) || !get_int(env, argv[2], &port) || napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len) != napi_ok ||
      !get_bytes(env, argv[3], &key, &key_len) || !get_bytes(env, argv[4], &salt, &salt_len) || !get_bytes(env, argv[5], &auth, &auth_len) ||
      key_len != 16 || salt_len != 14 || auth_len > 64) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: open(fd, host, port, cipherKey[16], salt[14], authKey)");
    return NULL;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
    napi_throw_error(env, NULL, "rtcstorm native media: the remote is not an IPv4 address");
    return NULL;
  }
  if (epfd < 0 && (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
    napi_throw_error(env, NULL, "rtcstorm native media: epoll_create1 failed");
    return NULL;
  }
  int id = -1;
  for (int i = 0; i < conn_cap; i++) if (!conns[i].open) { id = i; break; }
  if (id < 0) {
    id = conn_cap;
    if (!grow((void **)&conns, &conn_cap, sizeof *conns)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  conn_t *c = &conns[id];
  memset(c, 0, sizeof *c);
  c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int on = 1;
  if (c->fd < 0 || fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0 ||
      setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
      connect(c->fd, (struct sockaddr *)&to, sizeof to) < 0 || !keys_init(&c->rx, key, salt, auth, auth_len)) {
    int err = errno;
    if (c->fd >= 0) close(c->fd);
    keys_free(&c->rx);
    char msg[128];
    snprintf(msg, sizeof msg, "rtcstorm native media: taking the socket failed: %s", strerror(err));
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)id};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
    close(c->fd);
    keys_free(&c->rx);
    napi_throw_error(env, NULL, "rtcstorm native media: epoll_ctl failed");
    return NULL;
  }
  c->account = -1;
  c->open = 1;
  return num(env, id);
}

/* wideSeqId(conn, id): the transport-wide sequence number's extension id to read (0: none). */
static napi_value js_wide_seq_id(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id, ext;
  if (!get_int(env, argv[0], &id) || !get_int(env, argv[1], &ext)) return NULL;
  conn_t *c = conn_at(id);
  if (c) c->wide_seq_id = ext;
  return NULL;
}

/* receiveRtp(conn, on) */
static napi_value js_receive_rtp(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id;
  bool on;
  if (!get_int(env, argv[0], &id) || napi_get_value_bool(env, argv[1], &on) != napi_ok) return NULL;
  conn_t *c = conn_at(id);
  if (c) c->receiving = on;
  return NULL;
}

/* close(conn): idempotent; the connection's senders go with it. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t id;
  if (!get_int(env, argv[0], &id)) return NULL;
  conn_t *c = conn_at(id);
  if (!c) return NULL;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  keys_free(&c->rx);
  keys_free(&c->rtcp_rx);
  keys_free(&c->rtcp_tx);
  free(c->streams);
  c->streams = NULL;
  c->open = 0;
  for (int i = 0; i < sender_cap; i++)
    if (senders[i].open && senders[i].conn == id) {
      keys_free(&senders[i].tx);
      senders[i].open = 0;
    }
  return NULL;
}

/* sender(conn, cipherKey, salt, authKey, ssrc, payloadType, wideSeqId, audioLevelId) -> id: one SSRC's outgoing SRTP session. */
static napi_value js_sender(napi_env env, napi_callback_info info) {
  ARGS(8);
  int32_t conn, payload_type, wide_seq_id, audio_level_id;
  double ssrc;
  uint8_t *key, *salt, *auth;
  size_t key_len, salt_len, auth_len;
  if (!get_int(env, argv[0], &conn) || !get_bytes(env, argv[1], &key, &key_len) || !get_bytes(env, argv[2], &salt, &salt_len) ||
      !get_bytes(env, argv[3], &auth, &auth_len) || key_len != 16 || salt_len != 14 || auth_len > 64 || !conn_at(conn) ||
      napi_get_value_double(env, argv[4], &ssrc) != napi_ok || !get_int(env, argv[5], &payload_type) || !get_int(env, argv[6], &wide_seq_id) || !get_int(env, argv[7], &audio_level_id)) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: sender(openConn, cipherKey[16], salt[14], authKey, ssrc, payloadType, wideSeqId, audioLevelId)");
    return NULL;
  }
  int id = -1;
  for (int i = 0; i < sender_cap; i++) if (!senders[i].open) { id = i; break; }
  if (id < 0) {
    id = sender_cap;
    if (!grow((void **)&senders, &sender_cap, sizeof *senders)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  sender_t *s = &senders[id];
  memset(s, 0, sizeof *s);
  if (!keys_init(&s->tx, key, salt, auth, auth_len)) {
    keys_free(&s->tx);
    napi_throw_error(env, NULL, "rtcstorm native media: AES key set-up failed");
    return NULL;
  }
  s->conn = conn;
  s->last_seq = -1;
  s->header = (rtp_header_spec_t){(uint32_t)(int64_t)ssrc, (uint8_t)payload_type, wide_seq_id, audio_level_id};
  s->generation = ++sender_generations;
  s->open = 1;
  return num(env, id);
}

/* Protects p[0, n) in place (its last 10 bytes take the tag). */
static int protect(sender_t *s, uint8_t *p, size_t n, int header) {
  int end = (int)n - TAG_BYTES;
  uint16_t seq = be16(p + 2);
  if (seq < s->last_seq && s->last_seq - seq > 0x8000) s->roc++;
  s->last_seq = seq;
  if (!keystream(&s->tx, p + header, end - header, be32(p + 8), s->roc, seq)) return 0;
  tag(&s->tx, p, end, s->roc, p + end);
  return 1;
}

/* Protects p[0, n) in place and sends it on the connection. */
static int protect_and_send(sender_t *s, conn_t *c, uint8_t *p, size_t n, int header) {
  return protect(s, p, n, header) && send(c->fd, p, n, MSG_DONTWAIT) >= 0;
}

/* sendRtp(sender, packet, headerBytes) -> sent: protects packet in place (its last 10 bytes take the tag) and sends it. */
static napi_value js_send_rtp(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t id, header;
  uint8_t *p;
  size_t n;
  if (!get_int(env, argv[0], &id) || !get_bytes(env, argv[1], &p, &n) || !get_int(env, argv[2], &header)) return NULL;
  sender_t *s = sender_at(id);
  conn_t *c = s ? conn_at(s->conn) : NULL;
  if (!c || n < (size_t)header + TAG_BYTES || header < 12 || n - TAG_BYTES > MAX_PAYLOAD + 64) return boolean(env, 0);
  return boolean(env, protect_and_send(s, c, p, n, header));
}

/* sendRaw(conn, datagram) -> sent: the stack's own datagrams (STUN, DTLS, SRTCP), as they are. */
static napi_value js_send_raw(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id;
  uint8_t *p;
  size_t n;
  if (!get_int(env, argv[0], &id) || !get_bytes(env, argv[1], &p, &n)) return NULL;
  conn_t *c = conn_at(id);
  if (!c) return boolean(env, 0);
  return boolean(env, send(c->fd, p, n, MSG_DONTWAIT) >= 0);
}

/* srtcp(conn, rxKey, rxSalt, rxAuth, txKey, txSalt, txAuth): SRTCP is done here from now on, with these session keys. */
static napi_value js_srtcp(napi_env env, napi_callback_info info) {
  ARGS(7);
  int32_t id;
  uint8_t *key[2], *salt[2], *auth[2];
  size_t key_len[2], salt_len[2], auth_len[2];
  if (!get_int(env, argv[0], &id)) return NULL;
  for (int i = 0; i < 2; i++)
    if (!get_bytes(env, argv[1 + 3 * i], &key[i], &key_len[i]) || !get_bytes(env, argv[2 + 3 * i], &salt[i], &salt_len[i]) ||
        !get_bytes(env, argv[3 + 3 * i], &auth[i], &auth_len[i]) || key_len[i] != 16 || salt_len[i] != 14 || auth_len[i] > 64) {
      napi_throw_type_error(env, NULL, "rtcstorm native media: srtcp(conn, rxKey[16], rxSalt[14], rxAuth, txKey[16], txSalt[14], txAuth)");
      return NULL;
    }
  conn_t *c = conn_at(id);
  if (!c || c->srtcp) return NULL;
  if (!keys_init(&c->rtcp_rx, key[0], salt[0], auth[0], auth_len[0]) || !keys_init(&c->rtcp_tx, key[1], salt[1], auth[1], auth_len[1])) {
    keys_free(&c->rtcp_rx);
    keys_free(&c->rtcp_tx);
    napi_throw_error(env, NULL, "rtcstorm native media: SRTCP keys failed");
    return NULL;
  }
  c->srtcp = 1;
  return NULL;
}

/* protectRtcp(conn, compound, index) -> the SRTCP packet (encrypted, E flag and index, tag), or null without the
 * connection's SRTCP or for a compound shorter than a header or longer than MAX_PAYLOAD (the stack protects those). */
static napi_value js_protect_rtcp(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t id;
  uint8_t *plain;
  size_t n;
  double index;
  if (!get_int(env, argv[0], &id) || !get_bytes(env, argv[1], &plain, &n) || !get_double(env, argv[2], &index) || index < 0 || index > 0x7fffffff) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: protectRtcp(conn, compound, index < 2^31)");
    return NULL;
  }
  conn_t *c = conn_at(id);
  napi_value result;
  if (!c || !c->srtcp || n < 8 || n > MAX_PAYLOAD) {
    napi_get_null(env, &result);
    return result;
  }
  uint8_t *p;
  CHECK(napi_create_buffer(env, n + SRTCP_INDEX_BYTES + TAG_BYTES, (void **)&p, &result));
  memcpy(p, plain, n);
  uint32_t i = (uint32_t)index;
  if (!rtcp_keystream(&c->rtcp_tx, p + 8, (int)n - 8, be32(p + 4), i)) {
    napi_throw_error(env, NULL, "rtcstorm native media: SRTCP encryption failed");
    return NULL;
  }
  uint32_t word = i | 0x80000000u;
  p[n] = word >> 24; p[n + 1] = word >> 16; p[n + 2] = word >> 8; p[n + 3] = word;
  tag_of(&c->rtcp_tx, p, (int)n + SRTCP_INDEX_BYTES, 0, 0, p + n + SRTCP_INDEX_BYTES);
  return result;
}

/* stunIntegrity(message, integrityAt, key): RFC 8489 §14.5's HMAC-SHA1 of message[0, integrityAt), into message[integrityAt + 4, + 20). */
static napi_value js_stun_integrity(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint8_t *m, *key;
  size_t n, key_len;
  int32_t at;
  if (!get_bytes(env, argv[0], &m, &n) || !get_int(env, argv[1], &at) || !get_bytes(env, argv[2], &key, &key_len) || at < 0 || (size_t)at + 24 > n) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: stunIntegrity(Buffer, integrityAt with 24 bytes after it, key)");
    return NULL;
  }
  uint8_t hashed[20], inner[20];
  /* A key longer than SHA-1's block is hashed first (RFC 2104). */
  if (key_len > 64) {
    SHA1(key, key_len, hashed);
    key = hashed;
    key_len = 20;
  }
  SHA_CTX in, out;
  hmac_pads(key, key_len, &in, &out);
  SHA1_Update(&in, m, (size_t)at);
  SHA1_Final(inner, &in);
  SHA1_Update(&out, inner, 20);
  SHA1_Final(m + at + 4, &out);
  return NULL;
}

/* ---------------------------------------------------------------- voice accounts ------------- */


/* account(ptimeMs, clockRateHz, gapThresholdMs, storeStartMs) -> id: one bot's receive accounting (ptimeMs 0: no playout model). */
static napi_value js_account(napi_env env, napi_callback_info info) {
  ARGS(4);
  double ptime, rate, gap, start;
  if (!get_double(env, argv[0], &ptime) || !get_double(env, argv[1], &rate) || !get_double(env, argv[2], &gap) || !get_double(env, argv[3], &start) ||
      !(ptime >= 0) || !(rate > 0) || !isfinite(gap) || !isfinite(start)) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: account(ptimeMs >= 0, clockRateHz > 0, gapThresholdMs, storeStartMs)");
    return NULL;
  }
  int id = -1;
  for (int i = 0; i < account_cap; i++) if (!accounts[i].account) { id = i; break; }
  if (id < 0) {
    id = account_cap;
    if (!grow((void **)&accounts, &account_cap, sizeof *accounts)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  account_slot_t *slot = &accounts[id];
  memset(slot, 0, sizeof *slot);
  if (!(slot->account = account_new(ptime, rate, gap, start))) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  return num(env, id);
}

/* closeAccount(id): idempotent; connections counting into it hand their RTP to JavaScript again. */
static napi_value js_close_account(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t id;
  if (!get_int(env, argv[0], &id)) return NULL;
  account_slot_t *slot = account_at(id);
  if (!slot) return NULL;
  account_free(slot->account);
  slot->account = NULL;
  for (int i = 0; i < conn_cap; i++) if (conns[i].open && conns[i].account == id) conns[i].account = -1;
  return NULL;
}

/* accountRtp(conn, account): the connection's stamped voice is counted in account from now on (-1: handed to JavaScript). */
static napi_value js_account_rtp(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id, account;
  if (!get_int(env, argv[0], &id) || !get_int(env, argv[1], &account)) return NULL;
  conn_t *c = conn_at(id);
  if (c) c->account = account_at(account) ? account : -1;
  return NULL;
}

/* accountPacket(account, senderId, seq, sentAtMs, rtpTimestamp, arrivalMs, ssrc) -> counted: a packet JavaScript received (before the plane took the socket). */
static napi_value js_account_packet(napi_env env, napi_callback_info info) {
  ARGS(7);
  int32_t id;
  double v[6];
  if (!get_int(env, argv[0], &id)) return NULL;
  for (int i = 0; i < 6; i++) if (!get_double(env, argv[i + 1], &v[i])) return NULL;
  account_slot_t *slot = account_at(id);
  if (!slot || !isfinite(v[2]) || !isfinite(v[4])) return boolean(env, 0);
  return boolean(env, account_packet(slot->account, v[0], v[1], v[2], v[3], v[4], v[5]));
}

/* accountEnd(account, ssrc): the streams on RTP stream ssrc ended (ssrc < 0: all of them). */
static napi_value js_account_end(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id;
  double ssrc;
  if (!get_int(env, argv[0], &id) || !get_double(env, argv[1], &ssrc)) return NULL;
  account_slot_t *slot = account_at(id);
  if (slot) account_end(slot->account, ssrc);
  return NULL;
}

/* accountWatch(account, on): whether the next packet counted comes back as a record (once). */
static napi_value js_account_watch(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id;
  bool on;
  if (!get_int(env, argv[0], &id) || napi_get_value_bool(env, argv[1], &on) != napi_ok) return NULL;
  account_slot_t *slot = account_at(id);
  if (slot) slot->watch = on;
  return NULL;
}

/* accountLastArrival(account) -> ms: the latest counted arrival, -Infinity before the first. */
static napi_value js_account_last_arrival(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t id;
  if (!get_int(env, argv[0], &id)) return NULL;
  account_slot_t *slot = account_at(id);
  return num(env, slot ? account_last_arrival(slot->account) : -INFINITY);
}

/* accountTake(account, atMs, out: Float64Array) -> doubles written, or -(doubles needed): voice_account.h's layout. */
static napi_value js_account_take(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t id;
  double at;
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (!get_int(env, argv[0], &id) || !get_double(env, argv[1], &at) ||
      napi_get_typedarray_info(env, argv[2], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: accountTake(account, atMs, Float64Array)");
    return NULL;
  }
  account_slot_t *slot = account_at(id);
  if (!slot) return num(env, 0);
  return num(env, (double)account_take_second(slot->account, at, data, (long)len));
}

/* A stamped Opus payload's stamp (bots/opus-stamp.ts, bots/media-payload.ts); 0 if it carries none. */
static int read_opus_stamp(const uint8_t *p, int start, int end, double *sender, double *seq, double *sent) {
  if (end - start < 3 + 18 || (p[start] & 3) != 3 || !(p[start + 1] & 0x40)) return 0;
  const uint8_t *s = p + end - 18;
  if (be16(s) != 0x5254) return 0;
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++) bits = bits << 8 | s[10 + i];
  double t;
  memcpy(&t, &bits, sizeof t);
  if (!isfinite(t)) return 0;
  *sender = be32(s + 2);
  *seq = be32(s + 6);
  *sent = t;
  return 1;
}

/* ---------------------------------------------------------------- voice sent from C ---------- */

/* voiceClip(speech, speechOffsets, speechLevels, noise, noiseOffsets, noiseLevels) -> id: stamped frame templates (voice_send.h). */
static napi_value js_voice_clip(napi_env env, napi_callback_info info) {
  ARGS(6);
  uint8_t *bytes[2], *levels[2];
  int32_t *offsets[2];
  int n[2];
  for (int k = 0; k < 2; k++) {
    size_t len, off_len, lev_len;
    napi_typedarray_type type, lev_type;
    void *off_data, *lev_data;
    if (!get_bytes(env, argv[3 * k], &bytes[k], &len) ||
        napi_get_typedarray_info(env, argv[3 * k + 1], &type, &off_len, &off_data, NULL, NULL) != napi_ok || type != napi_int32_array || off_len < 1 ||
        napi_get_typedarray_info(env, argv[3 * k + 2], &lev_type, &lev_len, &lev_data, NULL, NULL) != napi_ok || lev_type != napi_uint8_array || lev_len + 1 != off_len) {
      napi_throw_type_error(env, NULL, "rtcstorm native media: voiceClip(Buffer, Int32Array, Uint8Array, Buffer, Int32Array, Uint8Array)");
      return NULL;
    }
    offsets[k] = off_data;
    levels[k] = lev_data;
    n[k] = (int)lev_len;
    for (int i = 0; i < n[k]; i++)
      if (offsets[k][i] < 0 || offsets[k][i + 1] < offsets[k][i] || (size_t)offsets[k][i + 1] > len || offsets[k][i + 1] - offsets[k][i] > MAX_PAYLOAD) {
        napi_throw_range_error(env, NULL, "rtcstorm native media: voiceClip offsets out of range");
        return NULL;
      }
    if (offsets[k][0] != 0) { napi_throw_range_error(env, NULL, "rtcstorm native media: voiceClip offsets must start at 0"); return NULL; }
  }
  int id = -1;
  for (int i = 0; i < clip_cap; i++) if (!clips[i].clip) { id = i; break; }
  if (id < 0) {
    id = clip_cap;
    if (!grow((void **)&clips, &clip_cap, sizeof *clips)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  if (!(clips[id].clip = voice_clip_new(bytes[0], offsets[0], levels[0], n[0], bytes[1], offsets[1], levels[1], n[1]))) {
    napi_throw_error(env, NULL, "rtcstorm native media: out of memory");
    return NULL;
  }
  return num(env, id);
}

/* voice(clip, always, dtx, talkSeed, stampSender, botIndex, samplesPerPacket) -> id: one bot's voice. */
static napi_value js_voice(napi_env env, napi_callback_info info) {
  ARGS(7);
  int32_t clip;
  bool always, dtx;
  double seed, sender, index, spp;
  if (!get_int(env, argv[0], &clip) || napi_get_value_bool(env, argv[1], &always) != napi_ok || napi_get_value_bool(env, argv[2], &dtx) != napi_ok ||
      !get_double(env, argv[3], &seed) || !get_double(env, argv[4], &sender) || !get_double(env, argv[5], &index) || !get_double(env, argv[6], &spp) ||
      clip < 0 || clip >= clip_cap || !clips[clip].clip) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: voice(clip, always, dtx, talkSeed, stampSender, botIndex, samplesPerPacket)");
    return NULL;
  }
  int id = -1;
  for (int i = 0; i < voice_cap; i++) if (!voices[i].open) { id = i; break; }
  if (id < 0) {
    id = voice_cap;
    if (!grow((void **)&voices, &voice_cap, sizeof *voices)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  voice_slot_t *slot = &voices[id];
  memset(slot, 0, sizeof *slot);
  voice_init(&slot->voice, clips[clip].clip, always, dtx, (uint32_t)(int64_t)seed, (uint32_t)(int64_t)sender, (uint32_t)(int64_t)index, spp);
  slot->group = -1;
  slot->sender = -1;
  slot->open = 1;
  return num(env, id);
}

static voice_t *voice_at(int id) { return id >= 0 && id < voice_cap && voices[id].open ? &voices[id].voice : NULL; }

static void leave_group(int id) {
  voice_slot_t *v = &voices[id];
  if (v->group < 0) return;
  voice_group_t *g = &groups[v->group];
  int *members = g->members[v->slot];
  for (int i = 0; i < g->count[v->slot]; i++)
    if (members[i] == id) {
      memmove(&members[i], &members[i + 1], (size_t)(g->count[v->slot] - i - 1) * sizeof *members);
      g->count[v->slot]--;
      break;
    }
  v->group = -1;
}

/* closeVoice(id): idempotent; it leaves its batch. */
static napi_value js_close_voice(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t id;
  if (!get_int(env, argv[0], &id)) return NULL;
  if (voice_at(id)) {
    leave_group(id);
    voices[id].open = 0;
  }
  return NULL;
}

/* voiceBatch(slots) -> id: a send scheduler's voices, sent a slot of its packet time at a time. */
static napi_value js_voice_batch(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t slots;
  if (!get_int(env, argv[0], &slots) || slots < 1 || slots > 1000) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: voiceBatch(slots 1-1000)");
    return NULL;
  }
  /* Batches never close: the first slot not yet used. */
  int id = -1;
  for (int i = 0; i < group_cap; i++) if (!groups[i].open) { id = i; break; }
  if (id < 0) {
    id = group_cap;
    if (!grow((void **)&groups, &group_cap, sizeof *groups)) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  }
  voice_group_t *g = &groups[id];
  g->members = calloc((size_t)slots, sizeof *g->members);
  g->count = calloc((size_t)slots, sizeof *g->count);
  g->cap = calloc((size_t)slots, sizeof *g->cap);
  if (!g->members || !g->count || !g->cap) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
  g->slots = slots;
  g->open = 1;
  return num(env, id);
}

static voice_group_t *group_at(int id) { return id >= 0 && id < group_cap && groups[id].open ? &groups[id] : NULL; }
static void clock_tick(batch_clock_t *c);

/* voiceJoin(voice, batch, slot): the voice sends in that slot of the batch from now on. */
static napi_value js_voice_join(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t id, gid, slot;
  if (!get_int(env, argv[0], &id) || !get_int(env, argv[1], &gid) || !get_int(env, argv[2], &slot)) return NULL;
  voice_group_t *g = group_at(gid);
  if (!voice_at(id) || !g || slot < 0 || slot >= g->slots) {
    napi_throw_range_error(env, NULL, "rtcstorm native media: voiceJoin(open voice, open batch, slot in range)");
    return NULL;
  }
  leave_group(id);
  /* The slots the clock's thread slept past are handled before the voice is in one of them: it joins from now on. */
  if (g->clock && g->clock->thread_runs) clock_tick(g->clock);
  if (g->count[slot] == g->cap[slot]) {
    int cap = g->cap[slot] ? g->cap[slot] * 2 : 16;
    int *grown = realloc(g->members[slot], (size_t)cap * sizeof *grown);
    if (!grown) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
    g->members[slot] = grown;
    g->cap[slot] = cap;
  }
  g->members[slot][g->count[slot]++] = id;
  voices[id].group = gid;
  voices[id].slot = slot;
  /* Its slot may be one the clock's thread sleeps past: it wakes, and counts from now. */
  if (g->clock && g->clock->thread_runs) pthread_cond_signal(&g->clock->wake);
  return NULL;
}

/* voiceOn(voice, sender): the sender a batched voice sends on (-1: none, the bot is not connected: nothing is built or counted). */
static napi_value js_voice_on(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id, sid;
  if (!get_int(env, argv[0], &id) || !get_int(env, argv[1], &sid)) return NULL;
  if (!voice_at(id)) return NULL;
  sender_t *s = sender_at(sid);
  voices[id].sender = s ? sid : -1;
  voices[id].sender_generation = s ? s->generation : 0;
  return NULL;
}

/*
 * One packet time of a voice on sender s (NULL: gone): whether the talk model filled it. The packet is
 * built either way (the talk model and clip move on, as a client's do) and sent while s is open, as
 * sendRtp drops on a closed one.
 */
static int voice_send_on(voice_t *v, sender_t *s, double turn, double now) {
  conn_t *c = s ? conn_at(s->conn) : NULL;
  static const rtp_header_spec_t none = {0, 0, 0, 0};
  static uint16_t spare_wide_seq;
  uint8_t packet[MAX_PAYLOAD + 64 + TAG_BYTES];
  int header = 0;
  int n = voice_packet(v, s ? &s->header : &none, c ? &c->wide_seq_out : &spare_wide_seq, turn, now, packet, MAX_PAYLOAD + 64, &header);
  if (n == 0) return 0;
  /* Queued: whoever sends voice flushes once it has sent what is due (a slot's voices in one system call). */
  if (c && protect(s, packet, (size_t)n + TAG_BYTES, header)) send_ring_send(c->fd, packet, (size_t)n + TAG_BYTES);
  return 1;
}

/* One packet time of a batched voice: nothing while it has no sender; its sender of the generation it was given. */
static void voice_turn(voice_slot_t *v, double turn, double now) {
  if (v->sender < 0) return;
  sender_t *s = sender_at(v->sender);
  if (s && s->generation != v->sender_generation) s = NULL;
  if (voice_send_on(&v->voice, s, turn, now)) v->sent++;
}

static void group_slot(voice_group_t *g, int slot, double turn, double now) {
  for (int i = 0; i < g->count[slot]; i++) voice_turn(&voices[g->members[slot][i]], turn, now);
  send_ring_flush();
}

static void group_skip_slot(voice_group_t *g, int slot, int64_t turns, double now, double ptime) {
  for (int i = 0; i < g->count[slot]; i++) {
    voice_slot_t *v = &voices[g->members[slot][i]];
    if (v->sender >= 0) v->skipped += voice_skip(&v->voice, (int)turns, now, ptime);
  }
}

/* voiceSlot(batch, slot, turn, nowMs): packet time turn of every voice in the slot. */
static napi_value js_voice_slot(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t gid, slot;
  double turn, now;
  if (!get_int(env, argv[0], &gid) || !get_int(env, argv[1], &slot) || !get_double(env, argv[2], &turn) || !get_double(env, argv[3], &now)) return NULL;
  voice_group_t *g = group_at(gid);
  if (!g || slot < 0 || slot >= g->slots) return NULL;
  group_slot(g, slot, turn, now);
  return NULL;
}

/* voiceSkipSlot(batch, slot, turns, nowMs, ptimeMs): the slot's voices missed turns packet times before nowMs. */
static napi_value js_voice_skip_slot(napi_env env, napi_callback_info info) {
  ARGS(5);
  int32_t gid, slot, turns;
  double now, ptime;
  if (!get_int(env, argv[0], &gid) || !get_int(env, argv[1], &slot) || !get_int(env, argv[2], &turns) || !get_double(env, argv[3], &now) || !get_double(env, argv[4], &ptime)) return NULL;
  voice_group_t *g = group_at(gid);
  if (!g || slot < 0 || slot >= g->slots || turns <= 0) return NULL;
  group_skip_slot(g, slot, turns, now, ptime);
  return NULL;
}

static double wall_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double clock_elapsed_ms(const batch_clock_t *c) { return (double)(int64_t)(uv_hrtime() - c->start_ns) / 1e6; }

/* What the send scheduler's tick does (send-scheduler.ts), slots of 1 ms: due slots are sent, and after a
   stall longer than a packet time the older ones are skipped, each voice told how many of its turns.
   Called with plane_lock held. */
static void clock_tick(batch_clock_t *c) {
  voice_group_t *g = group_at(c->group);
  if (!g) return;
  const int64_t n = g->slots;
  const int64_t due = (int64_t)floor(clock_elapsed_ms(c)) + 1;
  const double now = wall_now_ms();
  const int64_t resume = due - n;
  if (resume > c->done) {
    for (int64_t s = 0; s < n; s++) {
      /* Turns of slot s below k: the k' < k with k' mod n = s. */
      const int64_t below_to = resume <= s ? 0 : (resume - s - 1) / n + 1;
      const int64_t below_from = c->done <= s ? 0 : (c->done - s - 1) / n + 1;
      if (below_to > below_from) group_skip_slot(g, (int)s, below_to - below_from, now, c->ptime_ms);
    }
    c->done = resume;
  }
  for (; c->done < due; c->done++) group_slot(g, (int)(c->done % n), (double)(c->done / n), now);
}

static void uv_clock_tick(uv_timer_t *handle) {
  pthread_mutex_lock(&plane_lock);
  clock_tick(handle->data);
  pthread_mutex_unlock(&plane_lock);
}

/* The batch's thread: it sleeps until the next slot that has voices (slot k is due k ms after the 0), sends it,
   and sleeps again; the lock is free while it sleeps. */
static void *clock_thread(void *arg) {
  batch_clock_t *c = arg;
  pthread_mutex_lock(&plane_lock);
  while (!c->stop) {
    voice_group_t *g = group_at(c->group);
    /* Without its batch (groups never close) there is nothing to tick. */
    if (!g) break;
    clock_tick(c);
    int64_t next = c->done;
    while (next < c->done + g->slots && g->count[next % g->slots] == 0) next++;
    /* Woken every wake_slots slots (a divisor of the packet time's, so a voice's slot is sent at the same phase every
       time): fewer wake-ups, each of which costs this VM about 40 us of CPU, but bursts the SFU queues (docs/native-plane.md). */
    int64_t w = wake_slots;
    while (w > 1 && g->slots % w) w--;
    next = (next + w - 1) / w * w;
    const uint64_t at = c->start_ns + (uint64_t)(next > 0 ? next : 0) * 1000000u;
    const struct timespec wake = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
    pthread_cond_timedwait(&c->wake, &plane_lock, &wake);
  }
  pthread_mutex_unlock(&plane_lock);
  return NULL;
}

/* Stops a batch's thread, if it runs; called without plane_lock (the thread is joined). Idempotent. */
static void clock_stop_thread(batch_clock_t *c) {
  pthread_mutex_lock(&plane_lock);
  /* Taken under the lock, so no second caller joins the same thread. */
  const int joins = c->thread_runs;
  c->thread_runs = 0;
  c->stop = 1;
  pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&plane_lock);
  if (joins) pthread_join(c->thread, NULL);
}

static void clock_stop(batch_clock_t *c) {
  uv_timer_stop(&c->handle);
  clock_stop_thread(c);
}

/* Every thread stops before the process's exit handlers run (OpenSSL's among them) or Node's environment goes;
   a libuv timer is not touched there, its loop may be gone. */
static void stop_all_threads(void) {
  for (int i = 0; i < group_cap; i++)
    if (groups[i].clock) clock_stop_thread(groups[i].clock);
}
static void stop_all_threads_hook(void *arg) { (void)arg; stop_all_threads(); }

/* voiceBatchRun(batch, startInMs, ptimeMs, onThread): the batch sends on its own clock from now on, its 0 startInMs from now
   (negative: past), on a thread of its own or on a libuv timer of the event loop. */
static napi_value js_voice_batch_run(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t gid;
  double start_in, ptime;
  bool on_thread;
  if (!get_int(env, argv[0], &gid) || !get_double(env, argv[1], &start_in) || !get_double(env, argv[2], &ptime) || napi_get_value_bool(env, argv[3], &on_thread) != napi_ok) return NULL;
  voice_group_t *g = group_at(gid);
  if (!g || !isfinite(start_in) || !(ptime > 0)) {
    napi_throw_range_error(env, NULL, "rtcstorm native media: voiceBatchRun(open batch, finite start, ptime > 0, onThread)");
    return NULL;
  }
  if (!g->clock) {
    uv_loop_t *loop;
    CHECK(napi_get_uv_event_loop(env, &loop));
    batch_clock_t *c = calloc(1, sizeof *c);
    if (!c) { napi_throw_error(env, NULL, "rtcstorm native media: out of memory"); return NULL; }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* The thread's deadlines are on uv_hrtime's clock. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &attr);
    pthread_condattr_destroy(&attr);
    uv_timer_init(loop, &c->handle);
    c->handle.data = c;
    /* Like an unref'd JavaScript timer: the run's sockets and work keep the process alive, not this. */
    uv_unref((uv_handle_t *)&c->handle);
    pthread_mutex_lock(&plane_lock);
    g->clock = c;
    pthread_mutex_unlock(&plane_lock);
    /* One environment per process loads the addon (fleet processes run no workers). */
    static int hooked;
    if (!hooked) {
      hooked = 1;
      napi_add_env_cleanup_hook(env, stop_all_threads_hook, NULL);
      atexit(stop_all_threads);
    }
  }
  batch_clock_t *c = g->clock;
  clock_stop(c);
  pthread_mutex_lock(&plane_lock);
  c->group = gid;
  c->ptime_ms = ptime;
  c->start_ns = uv_hrtime() + (uint64_t)(int64_t)llround(start_in * 1e6);
  /* Started after its 0: the turns before now are neither sent nor skipped. */
  const double elapsed = clock_elapsed_ms(c);
  c->done = elapsed > 0 ? (int64_t)floor(elapsed) : 0;
  c->stop = 0;
  int failed = 0;
  if (on_thread) failed = pthread_create(&c->thread, NULL, clock_thread, c);
  else uv_timer_start(&c->handle, uv_clock_tick, 1, 1);
  c->thread_runs = on_thread && !failed;
  pthread_mutex_unlock(&plane_lock);
  if (failed) {
    napi_throw_error(env, NULL, "rtcstorm native media: voiceBatchRun: no thread for the batch's clock");
    return NULL;
  }
  return NULL;
}

/* voiceBatchStop(batch): its clock stops (idempotent); the batch can be run again. */
static napi_value js_voice_batch_stop(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t gid;
  if (!get_int(env, argv[0], &gid)) return NULL;
  pthread_mutex_lock(&plane_lock);
  voice_group_t *g = group_at(gid);
  batch_clock_t *c = g ? g->clock : NULL;
  pthread_mutex_unlock(&plane_lock);
  if (c) clock_stop(c);
  return NULL;
}

/* sendPath() -> "io_uring" | "send": how voice sent from C leaves this process (send_ring.h). */
static napi_value js_send_path(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, send_ring_path(), NAPI_AUTO_LENGTH, &out));
  return out;
}

/* voiceTakeCounts(voice, out: Float64Array[2]): packets sent and skipped in its batch since the last call. */
static napi_value js_voice_take_counts(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t id;
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (!get_int(env, argv[0], &id) || napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float64_array || len < 2) return NULL;
  double *out = data;
  out[0] = out[1] = 0;
  if (!voice_at(id)) return NULL;
  out[0] = voices[id].sent;
  out[1] = voices[id].skipped;
  voices[id].sent = voices[id].skipped = 0;
  return NULL;
}

/*
 * voiceSend(voice, sender, turn, nowMs) -> whether the talk model filled this packet time: the packet
 * is built, protected and sent on sender's SSRC (a sender whose socket is gone drops it, as sendRtp does).
 */
static napi_value js_voice_send(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t vid, sid;
  double turn, now;
  if (!get_int(env, argv[0], &vid) || !get_int(env, argv[1], &sid) || !get_double(env, argv[2], &turn) || !get_double(env, argv[3], &now)) return NULL;
  voice_t *v = voice_at(vid);
  const int filled = v && voice_send_on(v, sender_at(sid), turn, now);
  send_ring_flush();
  return boolean(env, filled);
}

/* voiceSkip(voice, count, nowMs, ptimeMs) -> packets the talk model would have sent in the count packet times before now. */
static napi_value js_voice_skip(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t vid, count;
  double now, ptime;
  if (!get_int(env, argv[0], &vid) || !get_int(env, argv[1], &count) || !get_double(env, argv[2], &now) || !get_double(env, argv[3], &ptime)) return NULL;
  voice_t *v = voice_at(vid);
  return num(env, v && count > 0 ? voice_skip(v, count, now, ptime) : 0);
}

/*
 * A drain touches each socket's connection, account and streams once per poll, all cold by then. While
 * socket e is read, what the next ones need is fetched in stages, each needing what the one before
 * fetched: socket e+3's connection (its RTP keys; SRTCP's are rarely needed), e+2's account, e+1's
 * lists of streams.
 */
static void prefetch_ahead(const struct epoll_event *events, int ready, int e) {
  if (e + 3 < ready) {
    int id = (int)events[e + 3].data.u32;
    if (id >= 0 && id < conn_cap)
      for (size_t at = 0; at < offsetof(conn_t, rtcp_rx); at += 64) __builtin_prefetch((const char *)&conns[id] + at);
  }
  for (int ahead = 2; ahead >= 1; ahead--) {
    if (e + ahead >= ready) continue;
    const conn_t *c = conn_at((int)events[e + ahead].data.u32);
    const account_slot_t *slot = c && c->receiving && c->account >= 0 ? account_at(c->account) : NULL;
    if (!slot) continue;
    if (ahead == 2) account_prefetch_self(slot->account);
    else account_prefetch_lists(slot->account);
  }
}

/*
 * poll(hostNowMs, records: Float64Array, arena: Buffer) -> count: drains every readable socket into
 * arena (datagrams back to back) and one record per datagram, until either is full. Arrival times
 * are the kernel's receive times on the caller's clock (hostNowMs is that clock, read just before).
 */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  ARGS(3);
  double host_now;
  napi_typedarray_type type;
  size_t record_len, arena_len;
  void *record_data;
  uint8_t *arena;
  if (napi_get_value_double(env, argv[0], &host_now) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, &record_len, &record_data, NULL, NULL) != napi_ok || type != napi_float64_array ||
      !get_bytes(env, argv[2], &arena, &arena_len)) {
    napi_throw_type_error(env, NULL, "rtcstorm native media: poll(hostNowMs, Float64Array, Buffer)");
    return NULL;
  }
  double *records = record_data;
  size_t max_records = record_len / RECORD_FIELDS, count = 0, used = 0;
  if (epfd < 0) return num(env, 0);
  struct timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  double offset = host_now - (real.tv_sec * 1e3 + real.tv_nsec / 1e6);
  static char controls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  struct epoll_event events[256];
  int ready = epoll_wait(epfd, events, 256, 0);
  for (int e = 0; e < ready; e++) {
    prefetch_ahead(events, ready, e);
    int id = (int)events[e].data.u32;
    conn_t *c = conn_at(id);
    if (!c) continue;
    /* One recvmmsg per ready socket takes what is queued (a short count means drained: no EAGAIN call). */
    for (int round = 0; round < 2; round++) {
      size_t room = (arena_len - used) / 2048;
      if (room > max_records - count) room = max_records - count;
      if (room > BATCH) room = BATCH;
      if (room == 0) goto full;
      struct mmsghdr msgs[BATCH];
      struct iovec iovs[BATCH];
      for (size_t k = 0; k < room; k++) {
        iovs[k].iov_base = arena + used + k * 2048;
        iovs[k].iov_len = 2048;
        memset(&msgs[k], 0, sizeof msgs[k]);
        msgs[k].msg_hdr.msg_iov = &iovs[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
        msgs[k].msg_hdr.msg_control = controls[k];
        msgs[k].msg_hdr.msg_controllen = sizeof controls[k];
      }
      int got = recvmmsg(c->fd, msgs, (unsigned)room, MSG_DONTWAIT, NULL);
      if (got <= 0) break; /* EAGAIN, or an ICMP error on the connected socket: the remote's port is gone. */
      account_slot_t *counting = c->receiving && c->account >= 0 ? account_at(c->account) : NULL;
      /* The counted streams' state is fetched while the batch is decrypted: a cold stream was most of the counting. */
      if (counting)
        for (int k = 0; k < got; k++) {
          const uint8_t *q = iovs[k].iov_base;
          if (msgs[k].msg_len >= 12 && is_rtp(q, msgs[k].msg_len)) account_prefetch(counting->account, be32(q + 8), be16(q + 2));
        }
      for (int k = 0; k < got; k++) {
        uint8_t *p = arena + used;
        ssize_t n = msgs[k].msg_len;
        /* Packed: the datagram moves down from its 2048-byte slot to where the last one ended. */
        if (p != iovs[k].iov_base) memmove(p, iovs[k].iov_base, (size_t)n);
        double arrival = host_now;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[k].msg_hdr); cm; cm = CMSG_NXTHDR(&msgs[k].msg_hdr, cm))
          if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(cm), sizeof ts);
            arrival = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 + offset;
          }
        double *rec = records + count * RECORD_FIELDS;
        account_slot_t *slot = counting;
        if (slot && is_rtp(p, n)) {
          /* Counted here: no record per packet, one per account and poll for its arrivals. */
          double sender, seq, sent;
          if (!unprotect(c, p, (int)n, rec)) continue;
          if (!read_opus_stamp(p, (int)rec[R_PAYLOAD_START], (int)rec[R_PAYLOAD_END], &sender, &seq, &sent)) continue;
          if (!account_packet(slot->account, sender, seq, sent, rec[R_TIMESTAMP], arrival, rec[R_SSRC])) continue;
          if (slot->watch) {
            /* JavaScript asked to hear of the next counted packet (a recovery's first media back): one record. */
            slot->watch = 0;
            rec[R_CONN] = id;
            rec[R_KIND] = KIND_ACCOUNTED;
            rec[R_ARRIVAL_MS] = arrival;
            rec[R_OFFSET] = (double)used;
            rec[R_LENGTH] = 0;
            count++;
          }
          continue;
        }
        rec[R_CONN] = id;
        rec[R_ARRIVAL_MS] = arrival;
        rec[R_OFFSET] = (double)used;
        rec[R_LENGTH] = (double)n;
        if (c->receiving && is_rtp(p, n)) {
          if (unprotect(c, p, (int)n, rec)) rec[R_KIND] = KIND_RTP;
          else rec[R_KIND] = KIND_REJECTED;
        } else if (c->srtcp && is_rtcp(p, n)) {
          int plain = unprotect_rtcp(c, p, (int)n);
          rec[R_KIND] = plain ? KIND_RTCP : KIND_REJECTED;
          if (plain) rec[R_LENGTH] = plain;
        } else {
          rec[R_KIND] = KIND_OTHER;
        }
        used += ((size_t)n + 7) & ~(size_t)7;
        count++;
      }
      if ((size_t)got < room) break;
    }
  }
full:
  return num(env, (double)count);
}

/* Every call from JavaScript holds plane_lock: a batch's clock thread shares the connections, senders and voices. */
static napi_value locked(napi_env env, napi_callback_info info) {
  void *call;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, NULL, &call));
  pthread_mutex_lock(&plane_lock);
  napi_value result = ((napi_callback)call)(env, info);
  pthread_mutex_unlock(&plane_lock);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  __builtin_cpu_init();
  aes_ni = __builtin_cpu_supports("aes") && getenv("RTCSTORM_NATIVE_NO_AESNI") == NULL;
  const char *wake_env = getenv("RTCSTORM_NATIVE_SEND_WAKE_MS");
  const int wake = wake_env ? atoi(wake_env) : 1;
  if (wake >= 1 && wake <= 20) wake_slots = wake;
  napi_property_descriptor props[] = {
    {"open", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_open},
    {"receiveRtp", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_receive_rtp},
    {"wideSeqId", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_wide_seq_id},
    {"close", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_close},
    {"sender", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_sender},
    {"sendRtp", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_send_rtp},
    {"sendRaw", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_send_raw},
    {"poll", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_poll},
    {"srtcp", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_srtcp},
    {"protectRtcp", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_protect_rtcp},
    {"stunIntegrity", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_stun_integrity},
    {"account", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account},
    {"closeAccount", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_close_account},
    {"accountRtp", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_rtp},
    {"accountPacket", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_packet},
    {"accountEnd", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_end},
    {"accountWatch", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_watch},
    {"accountLastArrival", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_last_arrival},
    {"voiceClip", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_clip},
    {"voice", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice},
    {"closeVoice", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_close_voice},
    {"voiceSend", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_send},
    {"voiceSkip", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_skip},
    {"voiceBatch", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_batch},
    {"voiceJoin", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_join},
    {"voiceOn", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_on},
    {"voiceSlot", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_slot},
    {"voiceSkipSlot", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_skip_slot},
    {"voiceBatchRun", NULL, js_voice_batch_run, NULL, NULL, NULL, napi_default, NULL},
    {"voiceBatchStop", NULL, js_voice_batch_stop, NULL, NULL, NULL, napi_default, NULL},
    {"sendPath", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_send_path},
    {"voiceTakeCounts", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_voice_take_counts},
    {"accountTake", NULL, locked, NULL, NULL, NULL, napi_default, (void *)js_account_take},
  };
  napi_value fields;
  napi_create_int32(env, RECORD_FIELDS, &fields);
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  napi_set_named_property(env, exports, "recordFields", fields);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
