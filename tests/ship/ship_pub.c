/* Publishes one message to JetStream with the headers given as KEY=VALUE
 * arguments, waiting for its acknowledgment: how the tests hand
 * `remora collect` messages no remora would send.
 *   ship_pub URL SUBJECT DATA [KEY=VALUE...] */
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: ship_pub URL SUBJECT DATA [KEY=VALUE...]\n");
		return 2;
	}
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsMsg *m = NULL;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = natsMsg_Create(&m, argv[2], NULL, argv[3], (int)strlen(argv[3]));
	for (int i = 4; s == NATS_OK && i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return 2;
		*eq = 0;
		s = natsMsgHeader_Set(m, argv[i], eq + 1);
	}
	if (s == NATS_OK)
		s = js_PublishMsg(&pa, js, m, NULL, &jerr);
	if (s != NATS_OK)
		fprintf(stderr, "ship_pub: %s\n", natsStatus_GetText(s));
	jsPubAck_Destroy(pa);
	natsMsg_Destroy(m);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return s == NATS_OK ? 0 : 1;
}
