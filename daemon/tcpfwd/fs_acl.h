/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs_acl - one named-group entry in a file's POSIX access ACL.
 *
 * The control socket and its directory carry one owning group (control.group); members of
 * control.admin_group reach them through an ACL entry instead. The xattr is written directly
 * (its format is a stable kernel ABI), so the daemon needs no libacl for one entry.
 */
#ifndef TCPFWD_FS_ACL_H
#define TCPFWD_FS_ACL_H

#include <sys/types.h>

/*
 * Gives group gid the permission bits perm (a combination of 4 read, 2 write, 1 execute) on
 * path, keeping what the owner, owning group and others have from the file's mode: the ACL
 * written is user::, group::, group:gid:perm, mask:: (group bits | perm) and other::. Replaces
 * any access ACL path had. Returns 0, or -errno (-EOPNOTSUPP when the file system has no
 * ACLs).
 */
int fs_acl_grant_group(const char *path, gid_t gid, unsigned perm);

#endif
