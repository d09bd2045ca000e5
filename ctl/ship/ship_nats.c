/* What the shipper and the collector both need from libnats: connection
 * options from the server list and credentials, and the stream, made when
 * missing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ship/ship.h"

/* libnats's teardown returns NATS_TIMEOUT when a thread still runs after
 * this long; the process then exits anyway, as before */
#define SHIP_LIB_CLOSE_MS 5000

void ship_lib_close(void)
{
	(void)nats_CloseAndWait(SHIP_LIB_CLOSE_MS);
}

const char *ship_errtext(natsStatus s)
{
	const char *e = nats_GetLastError(NULL);
	return e && *e ? e : natsStatus_GetText(s);
}

natsOptions *ship_nats_options(const struct ship_urls *u, const char *creds, char *err,
			       size_t errlen)
{
	natsOptions *o = NULL;
	natsStatus s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, (const char **)u->url, u->n);
	/* Reconnect for ever, every 500 ms; little buffered while
	 * disconnected: the shipper resends from the trace files instead. */
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 500);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectBufSize(o, 2 * SHIP_CHUNK_MAX);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(o, 2);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "remora");
	if (s == NATS_OK && u->tls)
		s = natsOptions_SetSecure(o, true);
	const char *ca = getenv("REMORA_SHIP_CA");
	if (s == NATS_OK && ca && *ca) {
		s = natsOptions_LoadCATrustedCertificates(o, ca);
		if (s != NATS_OK) {
			snprintf(err, errlen, "cannot load the CA certificates of REMORA_SHIP_CA=%s: %s",
				 ca, nats_GetLastError(NULL));
			natsOptions_Destroy(o);
			return NULL;
		}
	}
	if (s == NATS_OK && creds) {
		s = natsOptions_SetUserCredentialsFromFiles(o, creds, NULL);
		if (s != NATS_OK) {
			snprintf(err, errlen, "cannot use the credentials file %s: %s", creds,
				 nats_GetLastError(NULL));
			natsOptions_Destroy(o);
			return NULL;
		}
	}
	if (s != NATS_OK) {
		snprintf(err, errlen, "cannot set up the NATS client: %s", natsStatus_GetText(s));
		natsOptions_Destroy(o);
		return NULL;
	}
	return o;
}

/* 2 minutes is JetStream's default; resends come within seconds of a
 * server's return, but a long outage should not store a range twice. */
#define DUP_WINDOW_NS (10ll * 60 * 1000000000ll)

static natsStatus add_stream(jsCtx *js, const char *name, const char *subjects, int replicas,
			     jsErrCode *jerr)
{
	jsStreamConfig cfg;
	jsStreamConfig_Init(&cfg);
	const char *subj[1] = { subjects };
	cfg.Name = name;
	cfg.Subjects = subj;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Retention = js_LimitsPolicy;
	cfg.Discard = js_DiscardOld;
	cfg.Replicas = replicas;
	cfg.Duplicates = DUP_WINDOW_NS;
	cfg.MaxMsgSize = SHIP_CHUNK_MAX + 64 * 1024;
	jsStreamInfo *si = NULL;
	natsStatus s = js_AddStream(&si, js, &cfg, NULL, jerr);
	jsStreamInfo_Destroy(si);
	return s;
}

int ship_stream_ensure(jsCtx *js, const char *subject, char *err, size_t errlen)
{
	char name[160], subjects[160];
	ship_stream_name(name, sizeof(name), subject);
	snprintf(subjects, sizeof(subjects), "%s.>", subject);
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetStreamInfo(&si, js, name, NULL, &jerr);
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
		snprintf(err, errlen, "cannot look up the JetStream stream %s: %s%s", name,
			 ship_errtext(s),
			 jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr
				 ? " (start nats-server with -js)" : "");
		return -1;
	}
	/* 3 replicas when the cluster can place them; a single server or a
	 * smaller cluster says so, and gets 1. */
	jerr = 0;
	s = add_stream(js, name, subjects, 3, &jerr);
	if (s != NATS_OK && jerr != JSStreamNameExistErr) {
		jerr = 0;
		s = add_stream(js, name, subjects, 1, &jerr);
	}
	if (s != NATS_OK && jerr != JSStreamNameExistErr) {
		snprintf(err, errlen, "cannot create the JetStream stream %s for subjects %s: %s",
			 name, subjects,
			 ship_errtext(s));
		return -1;
	}
	return 1;
}
