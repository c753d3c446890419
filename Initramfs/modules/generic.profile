# Module profile "generic": one image for unknown PCs, servers, VMs and clouds, booted from
# a local disk or the network. Globs are relative to lib/modules/VERSION/kernel/; '**'
# crosses directories, a leading '?' marks a line that may match nothing, a leading '!'
# removes earlier matches. Dependencies (depends= and softdep=) and the firmware files the
# modules declare (when the build host has them) are added automatically, so list only
# the drivers.
# Budget: at most half of Debian's initramfs-tools image with MODULES=most for the same
# kernel (31.1 MB zstd for 6.1.0-56: so 15.5 MB). The early-boot binary and its libraries
# take ~5 MB of it; the choices below are about the rest (sizes: zstd -19 of the module).
# Firmware the build host has adds to that (Debian's firmware-bnx2x, -misc-nonfree and
# -realtek would bring bnx2x's six files, ice's DDP package, tg3's and r8169's).
# Left out, each for its size against how rarely it is the only way to the root: Fibre
# Channel HBAs (qla2xxx, lpfc: 0.5 MB each, qla2xxx's firmware on top), InfiniBand,
# wireless, dm-crypt (no unlocking yet), and the older RAID families (3ware, ips,
# megaraid mbox). For those, copy this file and pass --profile PATH, or build with
# --hostonly on the machine itself.

# --- virtio (QEMU/KVM, most clouds)
drivers/virtio/virtio_pci.ko
drivers/virtio/virtio_mmio.ko
drivers/block/virtio_blk.ko
drivers/scsi/virtio_scsi.ko
drivers/net/virtio_net.ko

# --- disks: SATA/AHCI, PIIX (QEMU's default IDE), NVMe, SCSI disks and CD-ROMs
drivers/ata/ahci.ko
drivers/ata/ata_piix.ko
drivers/ata/ata_generic.ko
drivers/nvme/host/nvme.ko
drivers/scsi/sd_mod.ko
drivers/scsi/sr_mod.ko
# NVMe behind Intel VMD (laptops and servers with "RAID" or "VMD" enabled in firmware
# setup show no disk at all without it; 0.02 MB)
drivers/pci/controller/vmd.ko

# --- SAS/RAID host adapters of common servers (0.5 MB together): LSI/Broadcom SAS2/SAS3
# HBAs (mpt3sas also drives the SAS2 generation), MegaRAID, Adaptec (aacraid), HPE Smart
# Array (hpsa) and Microchip/Adaptec SmartRAID (smartpqi)
drivers/scsi/mpt3sas/mpt3sas.ko
drivers/scsi/megaraid/megaraid_sas.ko
drivers/scsi/aacraid/aacraid.ko
drivers/scsi/hpsa.ko
drivers/scsi/smartpqi/smartpqi.ko

# --- USB: host controllers (xHCI, and EHCI/OHCI/UHCI for older boards and BMC virtual
# media, 0.1 MB), keyboards so a rescue shell can be typed into (PS/2 is built into
# Debian's kernel), and USB disks (usb-storage, UAS)
drivers/usb/host/xhci-pci.ko
drivers/usb/host/ehci-pci.ko
drivers/usb/host/ohci-pci.ko
drivers/usb/host/uhci-hcd.ko
drivers/hid/usbhid/usbhid.ko
drivers/hid/hid-generic.ko
drivers/usb/storage/usb-storage.ko
drivers/usb/storage/uas.ko

# --- hypervisors and clouds other than virtio: Hyper-V/Azure (VMBus disks, network,
# keyboard; pci-hyperv for the NVMe disks of newer Azure sizes), Xen (older EC2), AWS ENA,
# VMware (vmxnet3, PVSCSI), Google's gVNIC (required by newer GCE machine types)
drivers/hv/hv_vmbus.ko
drivers/scsi/hv_storvsc.ko
drivers/net/hyperv/hv_netvsc.ko
drivers/input/serio/hyperv-keyboard.ko
drivers/pci/controller/pci-hyperv.ko
drivers/block/xen-blkfront.ko
drivers/net/xen-netfront.ko
drivers/net/ethernet/amazon/ena/ena.ko
drivers/net/vmxnet3/vmxnet3.ko
drivers/scsi/vmw_pvscsi.ko
drivers/net/ethernet/google/gve/gve.ko

# --- network block and storage protocols: nbd is the iSCSI bridge's device (the
# kernel's own initiator, iscsi_tcp, is not used: libiscsi speaks iSCSI in user space);
# iscsi_ibft shows the firmware's iSCSI Boot Firmware Table (rd.iscsi.firmware, ip=ibft)
drivers/block/loop.ko
drivers/block/nbd.ko
drivers/firmware/iscsi_ibft.ko
drivers/block/zram/zram.ko

# --- device-mapper: linear live images, snapshots (copy-on-write roots), verity
drivers/md/dm-mod.ko
drivers/md/dm-snapshot.ko
drivers/md/dm-verity.ko
drivers/md/dm-zero.ko

# --- network interfaces: QEMU's e1000, the common Intel and Realtek on-board chips
# (igb pulls dca and i2c-algo-bit; r8169 pulls libphy and the Realtek PHY driver)
drivers/net/ethernet/intel/e1000/*
drivers/net/ethernet/intel/e1000e/*
drivers/net/ethernet/intel/igb/*
drivers/net/ethernet/realtek/r8169.ko
# server NICs: Intel 10G (ixgbe), 10/25/40G (i40e), E800 (ice, 0.4 MB), Broadcom
# NetXtreme (tg3), NetXtreme-C/E (bnxt_en), NetXtreme II 10G (bnx2x, 0.4 MB)
drivers/net/ethernet/intel/ixgbe/ixgbe.ko
drivers/net/ethernet/intel/i40e/i40e.ko
drivers/net/ethernet/intel/ice/ice.ko
drivers/net/ethernet/broadcom/tg3.ko
drivers/net/ethernet/broadcom/bnxt/bnxt_en.ko
drivers/net/ethernet/broadcom/bnx2x/bnx2x.ko
# Mellanox ConnectX-4 and later (mlx5, 0.8 MB: the largest NIC driver here, kept because it
# is the common 25/100G card in servers and in the diskless clusters this image is for)
# and ConnectX-3 (mlx4 Ethernet, 0.3 MB); the InfiniBand halves stay out
drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko
drivers/net/ethernet/mellanox/mlx4/mlx4_en.ko

# --- filesystems
fs/ext4/*
# xfs (0.7 MB) and btrfs (1 MB with zstd, raid6 and its checksums): the other roots of
# RHEL-like and SUSE-like installations
fs/xfs/xfs.ko
fs/btrfs/btrfs.ko
fs/overlayfs/*
fs/squashfs/*
fs/isofs/*
fs/erofs/*
# Live USB sticks: FAT (most sticks as sold and as made by Windows tools) with the code
# page and charsets its mount asks the kernel for (the kernel's defaults: cp437, ascii;
# iocharset=utf8), exFAT (larger sticks), UDF (DVD images)
fs/fat/vfat.ko
fs/nls/nls_cp437.ko
fs/nls/nls_ascii.ko
fs/nls/nls_utf8.ko
fs/nls/nls_iso8859-1.ko
fs/exfat/exfat.ko
fs/udf/udf.ko
# NFS client v3 and v4 (the pNFS layout drivers are left out: rare on clients, large)
fs/nfs/nfs.ko
fs/nfs/nfsv3.ko
fs/nfs/nfsv4.ko
