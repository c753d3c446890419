// libdevmapper's header only, no `link`: the early-boot binary opens it with dlopen(3)
// when a boot makes a device-mapper device (Root/DeviceMapper.swift), so images without
// dm-mod carry neither it nor libudev. The function types come from the declarations.
#include <stddef.h>
#include <stdint.h>
#include <libdevmapper.h>

typedef __typeof__(&dm_task_create) stateless_dm_task_create;
typedef __typeof__(&dm_task_destroy) stateless_dm_task_destroy;
typedef __typeof__(&dm_task_set_name) stateless_dm_task_set_name;
typedef __typeof__(&dm_task_set_ro) stateless_dm_task_set_ro;
typedef __typeof__(&dm_task_add_target) stateless_dm_task_add_target;
typedef __typeof__(&dm_task_run) stateless_dm_task_run;
typedef __typeof__(&dm_task_get_errno) stateless_dm_task_get_errno;
typedef __typeof__(&dm_task_update_nodes) stateless_dm_task_update_nodes;
typedef __typeof__(&dm_get_next_target) stateless_dm_get_next_target;
typedef __typeof__(&dm_udev_set_sync_support) stateless_dm_udev_set_sync_support;
typedef __typeof__(&dm_udev_set_checking) stateless_dm_udev_set_checking;
