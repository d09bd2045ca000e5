/* Writes the seed corpora from real producers and the real CTF writer:
 *
 *   fuzz_gen_seeds OUT_DIR
 *
 * makes OUT_DIR/{arena,catalog,proto,helper_proto,ctf_meta,ctf_stream}/.
 * Arenas come from the producer path (shm/producer.h) in states a consumer
 * meets: open and sealed chunks, nested levels, a killed forked producer,
 * overwrite mode after wrapping, a half-consumed arena; their trailing
 * zeros are cut (fuzz_arena pads the image to its declared size). The
 * traces are those arenas drained into ctf_writer, as `remora record`
 * does. Deterministic apart from timestamps, pids and uuids. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctf/ctf_writer.h"
#include "fuzz_msgs.h"
#include "helper/proto.h"
#include "shm/catalog_write.h"
#include "shm/producer.h"
#include "shm/reader.h"

static const char *out;

static void save(const char *sub, const char *name, const void *a, size_t n, const void *b,
		 size_t m)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", out, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(a, 1, n, f) != n || (m && fwrite(b, 1, m, f) != m)) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* ----------------------------------------------------------- events */

static const char *const all_names[] = { "u8", "u16", "u32", "u64", "s8", "s16", "s32",
					 "s64", "b", "f32", "f64", "str", "blob" };
static const uint8_t all_types[] = { RM_T_U8, RM_T_U16, RM_T_U32, RM_T_U64, RM_T_S8,
				     RM_T_S16, RM_T_S32, RM_T_S64, RM_T_BOOL, RM_T_F32,
				     RM_T_F64, RM_T_STRING, RM_T_BYTES };
static const char *const seq_names[] = { "seq", "writer", "check" };
static const uint8_t seq_types[] = { RM_T_U64, RM_T_U32, RM_T_U32 };

struct ids {
	uint32_t all, seq, empty;
};

static struct ids declare(struct rm_arena *a)
{
	struct rm_event_decl d1 = { "fuzz", "all_types", 13, all_names, all_types };
	struct rm_event_decl d2 = { "fuzz", "seq", 3, seq_names, seq_types };
	struct rm_event_decl d3 = { "fuzz", "empty", 0, NULL, NULL };
	struct ids ids = { (uint32_t)rm_catalog_add(a, &d1), (uint32_t)rm_catalog_add(a, &d2),
			   (uint32_t)rm_catalog_add(a, &d3) };
	for (uint32_t i = 0; i < a->event_max; i++)
		a->enable[i] = 1;
	return ids;
}

/* The payload of all_types for value k. */
static size_t all_payload(unsigned char *p, uint64_t k)
{
	size_t n = 0;
#define PUT(T, v)                                                                            \
	do {                                                                                 \
		T x_ = (T)(v);                                                               \
		memcpy(p + n, &x_, sizeof(x_));                                              \
		n += sizeof(x_);                                                             \
	} while (0)
	PUT(uint8_t, k);
	PUT(uint16_t, k * 3);
	PUT(uint32_t, k * 5);
	PUT(uint64_t, k * 7);
	PUT(int8_t, -(int64_t)k);
	PUT(int16_t, -(int64_t)k * 3);
	PUT(int32_t, -(int64_t)k * 5);
	PUT(int64_t, -(int64_t)k * 7);
	PUT(uint8_t, k & 1);
	PUT(float, k / 2.0);
	PUT(double, k / 4.0);
	n += (size_t)sprintf((char *)p + n, "s%lu", (unsigned long)k) + 1;
	uint32_t bl = (uint32_t)(k % 5);
	PUT(uint32_t, bl);
	memset(p + n, 0xab, bl);
	n += bl;
#undef PUT
	return n;
}

static void rec(struct rm_arena *a, struct rm_writer *w, uint32_t id, const void *pl, size_t n)
{
	struct rm_wr wr;
	unsigned char *p = rm_reserve(a, w, &wr, id, n);
	if (p) {
		memcpy(p, pl, n);
		rm_commit(&wr);
	}
}

static void write_some(struct rm_arena *a, struct rm_writer *w, const struct ids *ids,
		       uint64_t from, uint64_t count)
{
	unsigned char buf[256];
	for (uint64_t k = from; k < from + count; k++) {
		if (k % 3 == 0) {
			rec(a, w, ids->all, buf, all_payload(buf, k));
		} else if (k % 3 == 1) {
			uint64_t s[2] = { k, (uint64_t)0x1234 << 32 | (uint32_t)(k * 2654435761u) };
			rec(a, w, ids->seq, s, 16);
		} else {
			rec(a, w, ids->empty, NULL, 0);
		}
	}
}

/* One record at each nesting level, as signal handlers interrupting
 * reserve..commit would leave them. */
static void nested(struct rm_arena *a, struct rm_writer *w, const struct ids *ids, int depth)
{
	struct rm_wr wr;
	unsigned char buf[256];
	size_t n = all_payload(buf, (uint64_t)depth);
	unsigned char *p = rm_reserve(a, w, &wr, ids->all, n);
	if (!p)
		return;
	if (depth > 1)
		nested(a, w, ids, depth - 1);
	memcpy(p, buf, n);
	rm_commit(&wr);
}

/* ---------------------------------------------------------- arenas */

struct arena_env {
	struct rm_arena a;
	struct ids ids;
	struct rm_writer w;
};

static void arena_new(struct arena_env *e, uint32_t chunks, uint32_t mode)
{
	memset(e, 0, sizeof(*e));
	struct rm_params p = { .chunk_size = 8192, .chunk_count = chunks, .small_size = 4096,
			       .small_count = chunks, .event_max = 8,
			       .pid_max = 4, .slot_max = 8, .mode = mode,
			       .clock = RM_CLOCK_MONOTONIC };
	if (rm_arena_create(&p, "fuzz-seed", &e->a) || rm_arena_producer_init(&e->a)) {
		fprintf(stderr, "gen_seeds: cannot create an arena\n");
		exit(1);
	}
	e->ids = declare(&e->a);
}

static void save_arena(const struct arena_env *e, const char *name)
{
	size_t n = e->a.size;
	while (n > 4096 && !e->a.base[n - 1])
		n--;
	static const uint8_t flag_sets[] = { 0x00, 0x06, 0x0a, 0x91 };
	for (unsigned i = 0; i < sizeof(flag_sets); i++) {
		char file[128];
		snprintf(file, sizeof(file), "%s-%02x", name, flag_sets[i]);
		save("arena", file, &flag_sets[i], 1, e->a.base, n);
	}
}

/* The catalog entries and a valid payload of each, for fuzz_catalog. */
static void save_catalog(const struct arena_env *e)
{
	unsigned char buf[256];
	uint8_t flag = 0;
	for (uint32_t id = 0; id < 3; id++) {
		unsigned char entry[1 + sizeof(struct rm_catalog_entry)];
		entry[0] = flag;
		memcpy(entry + 1, &e->a.catalog[id], sizeof(struct rm_catalog_entry));
		size_t n = 0;
		if (id == e->ids.all)
			n = all_payload(buf, 9);
		else if (id == e->ids.seq)
			n = 16, memset(buf, 7, 16);
		char file[64];
		snprintf(file, sizeof(file), "entry-%u", id);
		save("catalog", file, entry, sizeof(entry), buf, n);
	}
}

struct sink {
	struct ctf_writer *w;
	struct rm_reader *r;
	char err[256];
};

static int to_ctf(void *arg, const struct rm_packet *p)
{
	struct sink *s = arg;
	for (uint32_t id = 0; id < 3; id++) {
		const struct rm_event_info *e = rm_reader_event(s->r, id);
		if (e && ctf_writer_event_class(s->w, e, s->err, sizeof(s->err)))
			fprintf(stderr, "gen_seeds: %s\n", s->err);
	}
	if (ctf_writer_packet(s->w, p, s->err, sizeof(s->err)))
		fprintf(stderr, "gen_seeds: %s\n", s->err);
	return 0;
}

static void *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc((size_t)len + 1);
	*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

/* Drains the arena into a CTF trace; saves its metadata and each stream. */
static void save_trace(struct arena_env *e, const char *name)
{
	char dir[] = "/tmp/remora-seedsXXXXXX";
	if (!mkdtemp(dir))
		exit(1);
	struct ctf_trace_info info = { .hostname = "fuzz", .procname = "seed",
				       .clock = RM_CLOCK_MONOTONIC };
	struct sink s = { 0 };
	s.w = ctf_writer_open(dir, &info, s.err, sizeof(s.err));
	s.r = rm_reader_new(&e->a);
	if (!s.w || !s.r) {
		fprintf(stderr, "gen_seeds: %s\n", s.err);
		exit(1);
	}
	rm_reader_drain(s.r, true, to_ctf, &s);
	rm_reader_free(s.r);
	ctf_writer_close(s.w, NULL, s.err, sizeof(s.err));
	char path[4096], file[128];
	snprintf(path, sizeof(path), "%s/metadata", dir);
	size_t mlen = 0;
	char *meta = slurp(path, &mlen);
	if (!meta)
		exit(1);
	snprintf(file, sizeof(file), "%s", name);
	save("ctf_meta", file, meta, mlen, NULL, 0);
	for (int i = 0;; i++) {
		snprintf(path, sizeof(path), "%s/stream_%d", dir, i);
		size_t slen;
		unsigned char *st = slurp(path, &slen);
		if (!st)
			break;
		unsigned char *blob = malloc(4 + mlen);
		uint32_t m32 = (uint32_t)mlen;
		memcpy(blob, &m32, 4);
		memcpy(blob + 4, meta, mlen);
		snprintf(file, sizeof(file), "%s-stream%d", name, i);
		save("ctf_stream", file, blob, 4 + mlen, st, slen);
		free(blob);
		free(st);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/metadata", dir);
	unlink(path);
	rmdir(dir);
	free(meta);
}

static int drop(void *arg, const struct rm_packet *p)
{
	(void)arg;
	(void)p;
	return 0;
}

static void arenas(void)
{
	struct arena_env e;

	/* a few records in one open chunk */
	arena_new(&e, 4, RM_MODE_DISCARD);
	write_some(&e.a, &e.w, &e.ids, 0, 12);
	save_arena(&e, "open");
	save_catalog(&e);
	save_trace(&e, "open");
	rm_arena_unmap(&e.a);
	close(e.a.fd);

	/* sealed chunks, a full arena with losses, every nesting level */
	arena_new(&e, 4, RM_MODE_DISCARD);
	write_some(&e.a, &e.w, &e.ids, 0, 200);
	nested(&e.a, &e.w, &e.ids, 4);
	write_some(&e.a, &e.w, &e.ids, 200, 400);
	save_arena(&e, "full");
	save_trace(&e, "full");
	rm_arena_unmap(&e.a);
	close(e.a.fd);

	/* nesting in a roomy arena */
	arena_new(&e, 8, RM_MODE_DISCARD);
	write_some(&e.a, &e.w, &e.ids, 0, 5);
	nested(&e.a, &e.w, &e.ids, 3);
	write_some(&e.a, &e.w, &e.ids, 5, 5);
	nested(&e.a, &e.w, &e.ids, 5); /* one level too deep: counted in lost_nested */
	save_arena(&e, "nested");
	save_trace(&e, "nested");
	rm_arena_unmap(&e.a);
	close(e.a.fd);

	/* a forked producer killed with a chunk open, another thread's
	 * chunk half consumed */
	arena_new(&e, 8, RM_MODE_DISCARD);
	write_some(&e.a, &e.w, &e.ids, 0, 30);
	struct rm_reader *r = rm_reader_new(&e.a);
	rm_reader_drain(r, false, drop, NULL); /* sets desc->consumed */
	pid_t pid = fork();
	if (pid == 0) {
		write_some(&e.a, &e.w, &e.ids, 1000, 150);
		struct rm_wr wr;
		rm_reserve(&e.a, &e.w, &wr, e.ids.seq, 16); /* never committed */
		raise(SIGKILL);
	}
	waitpid(pid, NULL, 0);
	save_arena(&e, "killed");
	rm_reader_free(r);
	save_trace(&e, "killed");
	rm_arena_unmap(&e.a);
	close(e.a.fd);

	/* overwrite mode, wrapped several times */
	arena_new(&e, 4, RM_MODE_OVERWRITE);
	write_some(&e.a, &e.w, &e.ids, 0, 900);
	save_arena(&e, "overwrite");
	save_trace(&e, "overwrite");
	rm_arena_unmap(&e.a);
	close(e.a.fd);
}

/* ---------------------------------------------------------- protocol */

static void msg(unsigned char **p, unsigned kind, const void *m, size_t n)
{
	(*p)[0] = (unsigned char)kind;
	(*p)[1] = (unsigned char)n;
	(*p)[2] = (unsigned char)(n >> 8);
	memcpy(*p + 3, m, n);
	*p += 3 + n;
}

static void protocol(void)
{
	static unsigned char buf[3 * 8 + 4 * sizeof(struct rm_msg_pids)];
	struct rm_msg_hello hello = { .h = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_HELLO,
					     sizeof(hello), 0 },
				      .pid = 1, .ppid = 0, .helper_pid = 2, .arena_size = 0 };
	strcpy(hello.comm, "seed");
	strcpy(hello.exe, "/bin/seed");
	static struct rm_msg_pids pids;
	pids.h = (struct rm_msg_hdr){ RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_PIDS, sizeof(pids), 0 };
	pids.n = 3;
	pids.pids[0] = 1, pids.pids[1] = 2, pids.pids[2] = 3;
	struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_GONE, 16, 0 };
	struct rm_msg_ack ack = { { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_ACK, 16, 0 } };

	unsigned char *p = buf;
	msg(&p, FD_ARENA, &hello, sizeof(hello));
	msg(&p, FD_NONE, &pids, sizeof(pids));
	msg(&p, FD_NONE, &gone, sizeof(gone));
	save("proto", "hello-pids-gone", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_ARENA, &hello, sizeof(hello));
	msg(&p, FD_ARENA, &hello, sizeof(hello));
	msg(&p, FD_TWO, &pids, sizeof(pids));
	save("proto", "hello-twice", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_GARBAGE, &hello, sizeof(hello));
	save("proto", "hello-garbage-fd", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_UNSEALED, &hello, sizeof(hello));
	save("proto", "hello-unsealed", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_PIPE, &gone, sizeof(gone));
	msg(&p, FD_NONE, &pids, 40);
	save("proto", "gone-with-fd", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_ARENA, &hello, 0);
	save("proto", "empty-with-fd", buf, (size_t)(p - buf), NULL, 0);

	p = buf;
	msg(&p, FD_NONE, &ack, sizeof(ack));
	msg(&p, FD_ARENA, &ack, sizeof(ack));
	msg(&p, FD_NONE, &gone, sizeof(gone));
	save("helper_proto", "acks", buf, (size_t)(p - buf), NULL, 0);
	p = buf;
	msg(&p, FD_TWO, &hello, sizeof(hello));
	msg(&p, FD_NONE, &ack, 8);
	msg(&p, FD_NONE, &ack, 0);
	save("helper_proto", "long-short-empty", buf, (size_t)(p - buf), NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	out = argv[1];
	mkdir(out, 0755);
	arenas();
	protocol();
	return 0;
}
