#!/bin/sh
# `remora record --filter` end to end, checked with babeltrace2:
#  - 100,000 events, id 0..99,999, path "/a/N" for even ids: the filter
#    'id >= 1000 && id < 2000 && path == "/a/*"' keeps exactly the 500
#    matching ones, with their ids;
#  - a filter on each field type (signed, unsigned, 64-bit, float, double,
#    bool, string glob with an escaped star, !, ||) keeps exactly the
#    records it should (the expected count computed here from the same
#    values the program records);
#  - two -e patterns that select the same event, each with a --filter:
#    a record either keeps is kept;
#  - a syntax error is refused with its column (exit 2); a field the event
#    does not have is reported in the summary and that event not recorded.
set -u
# ASan builds: record preloads libremora, whose ASan runtime then is not
# first in the app's library list (as in the other record tests)
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
CLI=$1 APP=$2 BT=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$CLI" record -o "$T/many" -e 'ft:req' --filter 'id >= 1000 && id < 2000 && path == "/a/*"' \
	-- "$APP" many 2>"$T/many.err" || fail "record many: $(cat "$T/many.err")"
"$BT" "$T/many" >"$T/many.txt" 2>"$T/many.bt" || fail "babeltrace2: $(cat "$T/many.bt")"
[ -s "$T/many.bt" ] && fail "babeltrace2 warned: $(cat "$T/many.bt")"
n=$(grep -c 'ft:req' "$T/many.txt")
[ "$n" = 500 ] || fail "many: $n events kept, want 500"
# exactly the even ids of [1000, 2000), each once
grep -o '{ id = [0-9]*' "$T/many.txt" | sed 's/{ id = //' | sort -n >"$T/ids"
seq 1000 2 1998 >"$T/want"
cmp -s "$T/ids" "$T/want" || fail "many: kept ids are not the even ids of 1000..1998"
grep -q 'path = "/a/' "$T/many.txt" || fail "many: path missing"
grep 'path = "/b/' "$T/many.txt" && fail "many: a /b path kept"

# two patterns selecting the same event, each with its filter: either keeps it
"$CLI" record -o "$T/two" -e 'ft:req' --filter 'id < 3' -e 'ft:r*' --filter 'id >= 99998' \
	-- "$APP" many 2>"$T/two.err" || fail "record two: $(cat "$T/two.err")"
"$BT" "$T/two" >"$T/two.txt" 2>"$T/two.bt" || fail "babeltrace2: $(cat "$T/two.bt")"
got=$(grep -o '{ id = [0-9]*' "$T/two.txt" | sed 's/{ id = //' | tr '\n' ' ')
[ "$got" = "0 1 2 99998 99999 " ] || fail "two filters: ids $got, want 0 1 2 99998 99999"

# one filter per type; expected counts from the values filter_app records
# (i = 0..999: s32 = i-500, u16 = i*60 mod 65536, u64 = i<<54, s8 = (int8)(i-128),
# f64 = i/4, f32 = i/8, flag = i%3==0, name = names[i%4])
want_count() { # $1: python expression over i
	python3 -c "
import ctypes
names=['alpha','beta','gamma','a*b']
n=0
for i in range(1000):
    s32=i-500; u16=(i*60)%65536; u64=(i<<54)%(1<<64); s8=ctypes.c_int8(i-128).value
    f64=i/4.0; f32=i/8.0; flag=(i%3==0); name=names[i%4]
    n+= bool($1)
print(n)"
}
check_type() { # $1 filter, $2 python equivalent
	rm -rf "$T/ty"
	"$CLI" record -o "$T/ty" -e 'ft:types' --filter "$1" -- "$APP" types 2>"$T/ty.err" ||
		fail "record types '$1': $(cat "$T/ty.err")"
	"$BT" "$T/ty" >"$T/ty.txt" 2>"$T/ty.bt" || fail "babeltrace2: $(cat "$T/ty.bt")"
	[ -s "$T/ty.bt" ] && fail "babeltrace2 warned: $(cat "$T/ty.bt")"
	got=$(grep -c 'ft:types' "$T/ty.txt") want=$(want_count "$2")
	[ "$got" = "$want" ] || fail "filter '$1': $got events, want $want"
	echo "ok: '$1' kept $got"
}
check_type 's32 < -400 || s32 >= 450' '(s32 < -400 or s32 >= 450)'
check_type 'u16 > 30000 && u16 <= 40000' '(u16 > 30000 and u16 <= 40000)'
check_type 'u64 >= 0x8000000000000000' '(u64 >= 0x8000000000000000)'
check_type 's8 < -100' '(s8 < -100)'
check_type 'f64 > 100.5 && f64 < 101.75' '(f64 > 100.5 and f64 < 101.75)'
check_type 'f32 >= 1.5e1 && f32 < 16' '(f32 >= 15 and f32 < 16)'
check_type 'flag && !(s32 > 0)' '(flag and not (s32 > 0))'
check_type 'name == "a\*b" || name == "g*"' '(name == "a*b" or name.startswith("g"))'
check_type 'name != "*a"' '(not name.endswith("a"))'
check_type 's32 == -500' '(s32 == -500)'

# errors: syntax (exit 2, with the column), then an unknown field
"$CLI" record -o "$T/bad" --filter 'id >= && x' -- "$APP" types 2>"$T/bad.err"
[ $? = 2 ] || fail "syntax error not refused with exit 2"
grep -q 'column 7' "$T/bad.err" || fail "syntax error without its column: $(cat "$T/bad.err")"
"$CLI" record -o "$T/unk" -e 'ft:types' --filter 'nosuch > 1' -- "$APP" types 2>"$T/unk.err" ||
	fail "record with an unknown field failed: $(cat "$T/unk.err")"
grep -q "unknown field 'nosuch'.*column 1" "$T/unk.err" || fail "unknown field not reported: $(cat "$T/unk.err")"
grep -q '1 event type not recorded' "$T/unk.err" || fail "no summary line: $(cat "$T/unk.err")"
"$CLI" record -o "$T/str" -e 'ft:types' --filter 'name > 3' -- "$APP" types 2>"$T/str.err"
grep -q "string, used as a number\|compares only" "$T/str.err" || fail "string as number not reported: $(cat "$T/str.err")"
echo PASS
