/* Named points inside the producer protocol. A test build (REMORA_TESTPOINTS)
 * calls rm_testpoint_hit(), which can stop or kill the caller when the point
 * configured in REMORA_TESTPOINT=name[:count[:stop]] is reached (or send the
 * calling thread any signal, armed with rm_testpoint_arm()); release builds
 * compile them to nothing. */
#ifndef REMORA_SHM_TESTPOINT_H
#define REMORA_SHM_TESTPOINT_H

enum rm_testpoint {
	RM_TP_AFTER_CLAIM,
	RM_TP_AFTER_RESERVE,
	RM_TP_MID_PAYLOAD,
	RM_TP_BEFORE_COMMIT,
	RM_TP_AFTER_COMMIT,
	RM_TP_CHUNK_SWITCH,
	RM_TP_THREAD_SETUP, /* in a thread's setup: slot claimed, not yet published */
	RM_TP_COUNT
};

#ifdef REMORA_TESTPOINTS
extern volatile int rm_testpoint_armed;
void rm_testpoint_hit(enum rm_testpoint tp);
const char *rm_testpoint_name(enum rm_testpoint tp);
/* The count-th passage through tp sends sig to the calling thread. */
void rm_testpoint_arm(enum rm_testpoint tp, long count, int sig);
#define RM_TP(tp)                                                                           \
	do {                                                                                \
		if (__builtin_expect(rm_testpoint_armed, 0))                                \
			rm_testpoint_hit(tp);                                               \
	} while (0)
#else
#define RM_TP(tp) do { } while (0)
#endif

#endif
