// The arena's catalog holds 31 characters of a field name.
// expect: field name a_field_name_longer_than_31_chars is too long
#include <remora/remora.h>
REMORA_EVENT(cf, longname, (int, a_field_name_longer_than_31_chars));
