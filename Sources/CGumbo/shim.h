// Google's Gumbo, a WHATWG HTML5 parser (Debian libgumbo-dev).
#include <gumbo.h>
