/* The low-level SHA-256 functions (deprecated in OpenSSL 3.0, present in every 3.x) let a
   keyed HMAC state be a plain struct copied per MAC: no allocation, no provider dispatch. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/sha.h>
