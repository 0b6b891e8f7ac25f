/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model_judge - the differential test's rule, shared by test_tcp_track_model.c and the
 * fuzz_model harness: for one segment of a model_conv conversation, whether the tracker kept the
 * principle (a segment the receiver discards moves nothing; no legitimate segment is INVALID).
 *
 * Discards are judged only where the firewall can know the receiver: it is synchronized (the
 * scope of RFC 9293 3.10.7.4 and RFC 5961), everything it sent has passed the firewall, the
 * tracker took its last segment, it has acknowledged all it received, and the tracker's last ACK
 * and TS.Recent for it are the receiver's own. Otherwise the receiver is ahead of anything the
 * tracker has seen. Once a segment the receiver discarded moved the tracker in such a moment,
 * the two pictures differ for reasons the tracker could not see, and no later discard of that
 * conversation is judged. A legitimate INVALID is always judged.
 */
#ifndef TCPFW_MODEL_JUDGE_H
#define TCPFW_MODEL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "model_conv.h"

enum model_judge_verdict {
	MODEL_JUDGE_FINE = 0,	   /* judged, and the principle held */
	MODEL_JUDGE_UNSEEN,	   /* not judged: see above */
	MODEL_JUDGE_MOVED,	   /* a discarded segment moved the tracker */
	MODEL_JUDGE_LEGIT_INVALID, /* a legitimate segment was dropped */
};

/* Per conversation: zero it before each model_conv_run. */
struct model_judge {
	bool taken[2]; /* the tracker ACCEPTed the last legitimate segment of each side */
	bool diverged; /* no longer judged */
};

/*
 * Judges event e of conversation c (as model_conv's judge callback sees it). With MOVED, diff
 * (len bytes) lists what moved; otherwise it is empty. *newly_diverged (may be NULL) says
 * whether this segment started the divergence.
 */
enum model_judge_verdict model_judge(struct model_judge *j, const struct model_conv *c,
				     const struct model_conv_event *e, char *diff, size_t len,
				     bool *newly_diverged);

#endif /* TCPFW_MODEL_JUDGE_H */
