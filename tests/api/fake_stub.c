#include "fake_stub.h"

#include <string.h>

struct fake_stub fake;

const volatile uint8_t remora_off = 0;

void remora_register_events(struct remora_event *const *begin, struct remora_event *const *end)
{
	for (unsigned i = 0; i < fake.nsections; i++)
		if (fake.sections[i].begin == begin) {
			fake.sections[i].registrations++;
			return;
		}
	if (fake.nsections < FAKE_MAX_SECTIONS)
		fake.sections[fake.nsections++] = (struct fake_section){ begin, end, 1 };
}

void remora_unregister_events(struct remora_event *const *begin, struct remora_event *const *end)
{
	(void)end;
	for (unsigned i = 0; i < fake.nsections; i++)
		if (fake.sections[i].begin == begin && --fake.sections[i].registrations == 0) {
			/* forgotten, like the stub does: the object may be unmapped next */
			fake.sections[i] = fake.sections[--fake.nsections];
			fake.unregistered++;
			return;
		}
}

static void fold_commit(void)
{
	if (fake.open_word && fake.committed_word == fake.open_word && fake.depth == 0)
		fake.commits++;
	fake.open_word = fake.committed_word = 0;
	fake.depth = 0;
}

unsigned fake_commits(void)
{
	fold_commit();
	return fake.commits;
}

unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr)
{
	fold_commit();
	fake.reserves++;
	fake.last_event = ev;
	fake.last_size = payload;
	memset(wr, 0, sizeof(*wr));
	if (fake.drop || payload > FAKE_BUF)
		return NULL;
	memset(fake.buf, 0xee, sizeof(fake.buf)); /* so unwritten bytes show */
	fake.open_word = 0x5eed0000u + fake.reserves;
	fake.depth = 1;
	*wr = (struct remora_wr){ .word_at = &fake.committed_word, .word = fake.open_word,
				  .depth_at = &fake.depth, .depth = 0 };
	return fake.buf;
}

void remora_count_truncated(void)
{
	fake.truncated++;
}

/* what a macro of ABI version 1 or 2 calls */
void remora_commit(struct remora_wr *wr)
{
	*wr->word_at = wr->word;
	*wr->depth_at = wr->depth;
}

static void for_each_event(void (*fn)(struct remora_event *, const void *), const void *arg)
{
	for (unsigned i = 0; i < fake.nsections; i++)
		for (struct remora_event *const *e = fake.sections[i].begin; e < fake.sections[i].end; e++)
			if (*e)
				fn(*e, arg);
}

static void attach(struct remora_event *ev, const void *byte)
{
	ev->enabled = byte;
}

void fake_attach_all(const volatile uint8_t *byte)
{
	for_each_event(attach, (const void *)byte);
}

void fake_reset(void)
{
	fake_attach_all(&remora_off);
	fake.reserves = fake.commits = fake.truncated = fake.filter_calls = 0;
	fake.open_word = fake.committed_word = 0;
	fake.depth = 0;
	fake.drop = false;
	fake.last_event = NULL;
	fake.last_size = 0;
}

struct remora_event *fake_find(const char *provider, const char *name, unsigned nth)
{
	for (unsigned i = 0; i < fake.nsections; i++)
		for (struct remora_event *const *e = fake.sections[i].begin; e < fake.sections[i].end; e++)
			if (*e && !strcmp((*e)->provider, provider) && !strcmp((*e)->name, name) && nth-- == 0)
				return *e;
	return NULL;
}

/* Filtered events (enable byte >= REMORA_ENABLE_FILTERED) keep everything here. */
int remora_filter_pass(struct remora_event *ev, const void *const *vals)
{
	(void)ev;
	(void)vals;
	fake.filter_calls++;
	return 1;
}
