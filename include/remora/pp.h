/* Preprocessor helpers of <remora/remora.h>: REMORA__EACH(M, ctx, a, b, c)
 * expands to M(ctx, 1, a) M(ctx, 2, b) M(ctx, 3, c), for 0 to 16
 * arguments; 17 to 20 arguments give a compile-time error, more an
 * undefined macro. */
#ifndef REMORA_PP_H
#define REMORA_PP_H

#define REMORA__CAT(a, b) REMORA__CAT_(a, b)
#define REMORA__CAT_(a, b) a##b

#define REMORA__NARG(_, ...)                                                               \
	REMORA__NARG_(_, ##__VA_ARGS__, _MANY, _MANY, _MANY, _MANY, 16, 15, 14, 13, 12, 11, \
		      10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, )
#define REMORA__NARG_(_, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, \
		      a16, a17, a18, a19, a20, n, ...) n

#define REMORA__EACH(M, c, ...)                                                            \
	REMORA__CAT(REMORA__E, REMORA__NARG(_, ##__VA_ARGS__))(M, c, 1, ##__VA_ARGS__)

#define REMORA__E_MANY(M, c, i, ...) _Static_assert(0, "remora: at most 16 fields per event");
#define REMORA__E0(M, c, i, ...)
#define REMORA__E1(M, c, i, a) M(c, i, a)
#define REMORA__E2(M, c, i, a, ...) M(c, i, a) REMORA__E1(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E3(M, c, i, a, ...) M(c, i, a) REMORA__E2(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E4(M, c, i, a, ...) M(c, i, a) REMORA__E3(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E5(M, c, i, a, ...) M(c, i, a) REMORA__E4(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E6(M, c, i, a, ...) M(c, i, a) REMORA__E5(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E7(M, c, i, a, ...) M(c, i, a) REMORA__E6(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E8(M, c, i, a, ...) M(c, i, a) REMORA__E7(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E9(M, c, i, a, ...) M(c, i, a) REMORA__E8(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E10(M, c, i, a, ...) M(c, i, a) REMORA__E9(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E11(M, c, i, a, ...) M(c, i, a) REMORA__E10(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E12(M, c, i, a, ...) M(c, i, a) REMORA__E11(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E13(M, c, i, a, ...) M(c, i, a) REMORA__E12(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E14(M, c, i, a, ...) M(c, i, a) REMORA__E13(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E15(M, c, i, a, ...) M(c, i, a) REMORA__E14(M, c, REMORA__INC(i), __VA_ARGS__)
#define REMORA__E16(M, c, i, a, ...) M(c, i, a) REMORA__E15(M, c, REMORA__INC(i), __VA_ARGS__)

#define REMORA__INC(i) REMORA__CAT(REMORA__INC_, i)
#define REMORA__INC_1 2
#define REMORA__INC_2 3
#define REMORA__INC_3 4
#define REMORA__INC_4 5
#define REMORA__INC_5 6
#define REMORA__INC_6 7
#define REMORA__INC_7 8
#define REMORA__INC_8 9
#define REMORA__INC_9 10
#define REMORA__INC_10 11
#define REMORA__INC_11 12
#define REMORA__INC_12 13
#define REMORA__INC_13 14
#define REMORA__INC_14 15
#define REMORA__INC_15 16

#endif
