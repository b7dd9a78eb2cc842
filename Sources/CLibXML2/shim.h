// libxml2's streaming reader (Debian libxml2-dev), for feeds and exports.
// Debian builds libxml2 with ICU, whose headers clash with the ICU that
// Foundation carries; nothing of ours touches libxml2's ICU converters.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/parser.h>
