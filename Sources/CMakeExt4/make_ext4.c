// A state store is formatted at boot only when stateless.state.format=1 asks and the
// device carries no signature at all (StateStore checks both). The steps are mke2fs's for
// a default ext4, through libext2fs: initialize the superblock and group descriptors,
// allocate the tables, zero the reserved inodes, create / and lost+found, mark the
// reserved inodes used, write the bad-block inode, add the journal, close. Inode tables
// are left to the kernel's lazy initialisation (uninit_bg), as mke2fs does by default.
#include "make_ext4.h"

#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <et/com_err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void random_bytes(void *buffer, size_t count) {
    // GRND_NONBLOCK first; before the CRNG is seeded the insecure bytes still give a
    // unique UUID and hash seed, which is all they are for.
    if (getrandom(buffer, count, GRND_NONBLOCK) == (ssize_t)count) return;
    if (getrandom(buffer, count, 0x0004 /* GRND_INSECURE */) == (ssize_t)count) return;
    for (size_t i = 0; i < count; i++) ((unsigned char *)buffer)[i] = (unsigned char)rand();
}

static int fail(char *message, size_t size, const char *step, errcode_t error) {
    snprintf(message, size, "%s: %s", step, error_message(error));
    return -1;
}

static errcode_t zero_reserved_inodes(ext2_filsys fs) {
    int size = EXT2_INODE_SIZE(fs->super);
    struct ext2_inode *inode = calloc(1, (size_t)size);
    if (!inode) return EXT2_ET_NO_MEMORY;
    errcode_t error = 0;
    for (ext2_ino_t ino = 1; ino < EXT2_FIRST_INODE(fs->super) && !error; ino++)
        error = ext2fs_write_inode_full(fs, ino, inode, size);
    free(inode);
    return error;
}

int stateless_make_ext4(const char *device, const char *label, char *message, size_t size) {
    initialize_ext2_error_table();
    blk64_t blocks = 0;
    errcode_t error = ext2fs_get_device_size2(device, 4096, &blocks);
    if (error) return fail(message, size, "read the device's size", error);
    if (blocks < 2048) {
        snprintf(message, size, "the device has %llu blocks of 4 KiB; a store needs at least 8 MiB", (unsigned long long)blocks);
        return -1;
    }

    struct ext2_super_block param;
    memset(&param, 0, sizeof param);
    param.s_rev_level = EXT2_DYNAMIC_REV;
    param.s_log_block_size = 2;  // 4096 bytes
    param.s_inode_size = 256;
    param.s_log_groups_per_flex = 4;
    ext2fs_blocks_count_set(&param, blocks);
    param.s_feature_compat = EXT2_FEATURE_COMPAT_EXT_ATTR | EXT2_FEATURE_COMPAT_DIR_INDEX;
    param.s_feature_incompat = EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_EXTENTS |
                               EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_64BIT;
    param.s_feature_ro_compat = EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |
                                EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK |
                                EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_GDT_CSUM;

    ext2_filsys fs = NULL;
    error = ext2fs_initialize(device, EXT2_FLAG_EXCLUSIVE | EXT2_FLAG_64BITS, &param, unix_io_manager, &fs);
    if (error) return fail(message, size, "initialize the filesystem", error);

    random_bytes(fs->super->s_uuid, sizeof fs->super->s_uuid);
    random_bytes(fs->super->s_hash_seed, sizeof fs->super->s_hash_seed);
    fs->super->s_def_hash_version = EXT2_HASH_HALF_MD4;
    fs->super->s_flags |= ((char)0xff < 0) ? EXT2_FLAGS_SIGNED_HASH : EXT2_FLAGS_UNSIGNED_HASH;
    fs->super->s_max_mnt_count = -1;
    fs->super->s_min_extra_isize = fs->super->s_want_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
    strncpy((char *)fs->super->s_volume_name, label, sizeof fs->super->s_volume_name);
    fs->umask = 022;

    const char *step = "allocate the group tables";
    if ((error = ext2fs_allocate_tables(fs))) goto failed;
    step = "zero the reserved inodes";
    if ((error = zero_reserved_inodes(fs))) goto failed;
    step = "create the root directory";
    if ((error = ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, 0))) goto failed;
    step = "create lost+found";
    if ((error = ext2fs_mkdir(fs, EXT2_ROOT_INO, 0, "lost+found"))) goto failed;
    ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
    for (ext2_ino_t ino = EXT2_ROOT_INO + 1; ino < EXT2_FIRST_INODE(fs->super); ino++)
        ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
    ext2fs_mark_ib_dirty(fs);
    step = "write the bad-block inode";
    if ((error = ext2fs_update_bb_inode(fs, NULL))) goto failed;
    struct ext2fs_journal_params journal;
    step = "size the journal";
    if ((error = ext2fs_get_journal_params(&journal, fs))) goto failed;
    step = "add the journal";
    if ((error = ext2fs_add_journal_inode3(fs, &journal, ~0ULL, 0))) goto failed;
    step = "write the filesystem";
    if ((error = ext2fs_close_free(&fs))) goto failed;
    return 0;

failed:
    if (fs) ext2fs_free(fs);
    return fail(message, size, step, error);
}
