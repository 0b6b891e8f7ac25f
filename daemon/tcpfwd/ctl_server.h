/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_server - the control socket: an AF_UNIX stream socket speaking ctl_proto.
 *
 * Who may do what comes only from the kernel's word on the peer (SO_PEERCRED, SO_PEERGROUPS):
 * uid 0 and members of control.admin_group may call every method; members of the socket's
 * group (control.group, else the daemon's) and the daemon's own uid may call the read-only
 * ones; everyone else is refused and logged, whatever the socket file's mode. The file system
 * is checked first: the socket and its directory belong to the socket's group, so admin_group
 * members must be in that group too to reach it. Requests, clients
 * and idle time are bounded; a list is streamed in chunks only as fast as the client reads, and
 * each chunk is one short call into a worker, so packets never wait long on an operator.
 */
#ifndef TCPFW_CTL_SERVER_H
#define TCPFW_CTL_SERVER_H

struct ctl_ops;
struct ctl_server;
struct loop;

/*
 * Creates the socket at ops->config(ctx)'s control.socket (mode 0660; its directory is created
 * 0750 if missing) and serves it from `loop`, reaching the daemon only through ops and ctx
 * (ctl_ops.h), both kept for the server's life. Returns 0 and *ret, or -errno (logged).
 */
int ctl_server_new(const struct ctl_ops *ops, void *ctx, struct loop *loop,
		   struct ctl_server **ret);

/* Closes every client and the socket, and removes the socket file. NULL is a no-op. */
void ctl_server_free(struct ctl_server *s);

#endif /* TCPFW_CTL_SERVER_H */
