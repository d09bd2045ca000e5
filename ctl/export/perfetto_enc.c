#include <string.h>

#include "ctl/export/perfetto_enc.h"

/* A length-delimited field's length is written once its body is: LEN_RESERVE
 * bytes are reserved, and the body moved down when the length takes fewer
 * (nested at most three deep, bodies of a packet are small). */
#define LEN_RESERVE 5

static unsigned char *varint(unsigned char *p, uint64_t v)
{
	while (v > 0x7f) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static unsigned char *vfield(unsigned char *p, uint32_t field, uint64_t v)
{
	return varint(varint(p, (uint64_t)field << 3), v);
}

static unsigned char *bytes_field(unsigned char *p, uint32_t field, const void *s, size_t n)
{
	p = varint(varint(p, (uint64_t)field << 3 | 2), n);
	memcpy(p, s, n);
	return p + n;
}

static unsigned char *str_field(unsigned char *p, uint32_t field, const char *s)
{
	return bytes_field(p, field, s, strlen(s));
}

static unsigned char *double_field(unsigned char *p, uint32_t field, double d)
{
	p = varint(p, (uint64_t)field << 3 | 1);
	memcpy(p, &d, 8); /* little-endian host, as the reader and writer assume */
	return p + 8;
}

static unsigned char *open_len(unsigned char *p, uint32_t field)
{
	return varint(p, (uint64_t)field << 3 | 2) + LEN_RESERVE;
}

static unsigned char *close_len(unsigned char *body, unsigned char *end)
{
	size_t n = (size_t)(end - body);
	unsigned char len[LEN_RESERVE], *e = varint(len, n);
	size_t ln = (size_t)(e - len);
	unsigned char *start = body - LEN_RESERVE;
	memcpy(start, len, ln);
	if (ln < LEN_RESERVE)
		memmove(start + ln, body, n);
	return start + ln + n;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

#define FIELD_MAX 16 /* tag + varint/fixed64 value, generously */

size_t pfe_event_bound(const struct pfe_event *e)
{
	size_t n = 8 * FIELD_MAX + 4 * LEN_RESERVE + slen(e->name) + slen(e->cat);
	for (uint32_t i = 0; i < e->nann; i++)
		n += 4 * FIELD_MAX + LEN_RESERVE + slen(e->ann[i].name) + e->ann[i].sn;
	const struct pfe_interned *v[3] = { e->names, e->cats, e->ann_names };
	uint32_t c[3] = { e->nnames, e->ncats, e->nann_names };
	for (int k = 0; k < 3; k++)
		for (uint32_t i = 0; i < c[k]; i++)
			n += 3 * FIELD_MAX + LEN_RESERVE + slen(v[k][i].name);
	return n;
}

static unsigned char *interned(unsigned char *p, uint32_t field, const struct pfe_interned *v,
			       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned char *b = p = open_len(p, field);
		p = vfield(p, 1, v[i].iid);
		p = str_field(p, 2, v[i].name);
		p = close_len(b, p);
	}
	return p;
}

static unsigned char *annotation(unsigned char *p, const struct pfe_ann *a)
{
	unsigned char *b = p = open_len(p, 4);
	if (a->name_iid)
		p = vfield(p, 1, a->name_iid);
	switch (a->kind) {
	case PFE_BOOL: p = vfield(p, 2, a->u != 0); break;
	case PFE_UINT: p = vfield(p, 3, a->u); break;
	case PFE_INT: p = vfield(p, 4, (uint64_t)a->i); break;
	case PFE_DOUBLE: p = double_field(p, 5, a->d); break;
	case PFE_STRING: p = bytes_field(p, 6, a->s, a->sn); break;
	default: break;
	}
	if (!a->name_iid && a->name)
		p = str_field(p, 10, a->name);
	return close_len(b, p);
}

size_t pfe_event_encode(unsigned char *out, const struct pfe_event *e)
{
	unsigned char *p = out;
	p = vfield(p, 8, e->ts);
	p = vfield(p, 10, e->seq_id);
	unsigned char *te = p = open_len(p, 11);
	if (e->cat_iid)
		p = vfield(p, 3, e->cat_iid);
	for (uint32_t i = 0; i < e->nann; i++)
		p = annotation(p, &e->ann[i]);
	p = vfield(p, 9, e->type);
	if (e->name_iid)
		p = vfield(p, 10, e->name_iid);
	p = vfield(p, 11, e->track_uuid);
	if (!e->cat_iid && e->cat)
		p = str_field(p, 22, e->cat);
	if (!e->name_iid && e->name)
		p = str_field(p, 23, e->name);
	if (e->counter == 1)
		p = vfield(p, 30, (uint64_t)e->counter_value);
	else if (e->counter == 2)
		p = double_field(p, 44, e->double_counter_value);
	p = close_len(te, p);
	if (e->nnames || e->ncats || e->nann_names) {
		unsigned char *id = p = open_len(p, 12);
		p = interned(p, 1, e->cats, e->ncats);
		p = interned(p, 2, e->names, e->nnames);
		p = interned(p, 3, e->ann_names, e->nann_names);
		p = close_len(id, p);
	}
	if (e->flags)
		p = vfield(p, 13, e->flags);
	return (size_t)(p - out);
}

size_t pfe_track_bound(const struct pfe_track *t)
{
	return 10 * FIELD_MAX + 4 * LEN_RESERVE + slen(t->name);
}

size_t pfe_track_encode(unsigned char *out, const struct pfe_track *t)
{
	unsigned char *p = out;
	p = vfield(p, 8, t->ts);
	p = vfield(p, 10, t->seq_id);
	if (t->flags)
		p = vfield(p, 13, t->flags);
	unsigned char *td = p = open_len(p, 60);
	p = vfield(p, 1, t->uuid);
	if (t->name)
		p = str_field(p, 2, t->name);
	unsigned char *d;
	switch (t->kind) {
	case PFE_PROCESS:
		d = p = open_len(p, 3);
		p = vfield(p, 1, (uint64_t)(int64_t)t->pid);
		p = close_len(d, p);
		break;
	case PFE_THREAD:
		d = p = open_len(p, 4);
		p = vfield(p, 1, (uint64_t)(int64_t)t->pid);
		p = vfield(p, 2, (uint64_t)(int64_t)t->tid);
		p = close_len(d, p);
		break;
	default:
		break;
	}
	if (t->parent_uuid)
		p = vfield(p, 5, t->parent_uuid);
	if (t->kind == PFE_COUNTER_TRACK) {
		d = p = open_len(p, 8);
		p = close_len(d, p);
	}
	p = close_len(td, p);
	return (size_t)(p - out);
}
