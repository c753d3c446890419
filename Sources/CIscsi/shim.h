// libiscsi's headers only, no `link`: the early-boot binary opens libiscsi.so.7 with
// dlopen(3) when a boot serves an iSCSI root (Root/ISCSI/LibISCSI.swift), so images
// without the nbd module carry neither it nor the iSER libraries it links, and other
// boots do not map them. The function types come from the declarations themselves.
#include <stddef.h>
#include <stdint.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

typedef __typeof__(&iscsi_connect_async) stateless_iscsi_connect_async;
typedef __typeof__(&iscsi_create_context) stateless_iscsi_create_context;
typedef __typeof__(&iscsi_destroy_context) stateless_iscsi_destroy_context;
typedef __typeof__(&iscsi_discovery_async) stateless_iscsi_discovery_async;
typedef __typeof__(&iscsi_get_error) stateless_iscsi_get_error;
typedef __typeof__(&iscsi_get_fd) stateless_iscsi_get_fd;
typedef __typeof__(&iscsi_get_nops_in_flight) stateless_iscsi_get_nops_in_flight;
typedef __typeof__(&iscsi_inquiry_task) stateless_iscsi_inquiry_task;
typedef __typeof__(&iscsi_login_async) stateless_iscsi_login_async;
typedef __typeof__(&iscsi_logout_async) stateless_iscsi_logout_async;
typedef __typeof__(&iscsi_nop_out_async) stateless_iscsi_nop_out_async;
typedef __typeof__(&iscsi_read16_task) stateless_iscsi_read16_task;
typedef __typeof__(&iscsi_readcapacity16_task) stateless_iscsi_readcapacity16_task;
typedef __typeof__(&iscsi_reportluns_task) stateless_iscsi_reportluns_task;
typedef __typeof__(&iscsi_service) stateless_iscsi_service;
typedef __typeof__(&iscsi_set_header_digest) stateless_iscsi_set_header_digest;
typedef __typeof__(&iscsi_set_initiator_username_pwd) stateless_iscsi_set_initiator_username_pwd;
typedef __typeof__(&iscsi_set_noautoreconnect) stateless_iscsi_set_noautoreconnect;
typedef __typeof__(&iscsi_set_session_type) stateless_iscsi_set_session_type;
typedef __typeof__(&iscsi_set_target_username_pwd) stateless_iscsi_set_target_username_pwd;
typedef __typeof__(&iscsi_set_targetname) stateless_iscsi_set_targetname;
typedef __typeof__(&iscsi_synchronizecache16_task) stateless_iscsi_synchronizecache16_task;
typedef __typeof__(&iscsi_testunitready_task) stateless_iscsi_testunitready_task;
typedef __typeof__(&iscsi_unmap_task) stateless_iscsi_unmap_task;
typedef __typeof__(&iscsi_which_events) stateless_iscsi_which_events;
typedef __typeof__(&iscsi_write16_task) stateless_iscsi_write16_task;
typedef __typeof__(&scsi_datain_unmarshall) stateless_scsi_datain_unmarshall;
typedef __typeof__(&scsi_free_scsi_task) stateless_scsi_free_scsi_task;
