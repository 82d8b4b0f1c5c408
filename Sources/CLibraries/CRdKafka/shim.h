// librdkafka 2.8.0, built by scripts/setup.sh into /var/cache/eduhub/librdkafka-2.8.0 and found
// through the rdkafka.pc that setup links into /usr/local/lib/pkgconfig (or PKG_CONFIG_PATH).
#if __has_include(<librdkafka/rdkafka.h>)
#include <librdkafka/rdkafka.h>
#else
#error "librdkafka headers not found: run scripts/setup.sh once (it builds librdkafka 2.8.0 into /var/cache/eduhub and links its rdkafka.pc into /usr/local/lib/pkgconfig), or point PKG_CONFIG_PATH at another build's lib/pkgconfig"
#endif
