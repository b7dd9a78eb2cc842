// Google's Brotli encoder (Debian libbrotli-dev): pages and feeds compressed once per rendering.
#include <brotli/encode.h>
