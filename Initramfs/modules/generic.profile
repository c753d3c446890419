# Module profile "generic": a diskless or disk-booted client on common hardware and on
# QEMU/KVM. Globs are relative to lib/modules/VERSION/kernel/; '**' crosses directories,
# a leading '?' marks a line that may match nothing, a leading '!' removes earlier matches.
# Dependencies (depends= and softdep=) are added automatically, so list only the drivers.
# Budget: modules are ~2.5 MB of a zstd image; the early-boot binary (~2 MB) and its
# shared libraries (~4.4 MB, libcrypto via libkmod the largest) take the rest. USB
# storage/HID, less common NICs and dm-crypt are left out for that reason; add them in a
# profile of your own (copy this file, pass --profile PATH).

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

# --- network block and storage protocols
drivers/block/loop.ko
drivers/block/nbd.ko
drivers/scsi/iscsi_tcp.ko
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

# --- filesystems
fs/ext4/*
fs/overlayfs/*
fs/squashfs/*
fs/isofs/*
fs/erofs/*
# NFS client v3 and v4 (the pNFS layout drivers are left out: rare on clients, large)
fs/nfs/nfs.ko
fs/nfs/nfsv3.ko
fs/nfs/nfsv4.ko
