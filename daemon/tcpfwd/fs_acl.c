// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "fs_acl.h"

/* The "system.posix_acl_access" value: a version, then entries sorted by tag (linux/
 * posix_acl_xattr.h), all little-endian. */
#define ACL_XATTR_VERSION 2
#define ACL_USER_OBJ	  0x01
#define ACL_GROUP_OBJ	  0x04
#define ACL_GROUP	  0x08
#define ACL_MASK	  0x10
#define ACL_OTHER	  0x20
#define ACL_NO_ID	  UINT32_MAX

struct acl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

struct acl_xattr {
	uint32_t version;
	struct acl_entry e[5];
};

_Static_assert(sizeof(struct acl_xattr) == 44, "the xattr has no padding");

static struct acl_entry entry(uint16_t tag, unsigned perm, uint32_t id)
{
	return (struct acl_entry){htole16(tag), htole16((uint16_t)(perm & 7)), htole32(id)};
}

int fs_acl_grant_group(const char *path, gid_t gid, unsigned perm)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -errno;
	unsigned group = (st.st_mode >> 3) & 7;
	struct acl_xattr acl = {
		.version = htole32(ACL_XATTR_VERSION),
		.e =
			{
				entry(ACL_USER_OBJ, st.st_mode >> 6, ACL_NO_ID),
				entry(ACL_GROUP_OBJ, group, ACL_NO_ID),
				entry(ACL_GROUP, perm, (uint32_t)gid),
				entry(ACL_MASK, group | perm, ACL_NO_ID),
				entry(ACL_OTHER, st.st_mode, ACL_NO_ID),
			},
	};

	if (setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0) == -1)
		return -errno;
	return 0;
}
