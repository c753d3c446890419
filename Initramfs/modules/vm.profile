# Module profile "vm": the smallest useful image, for virtual machines with virtio devices
# (QEMU/KVM, Proxmox, libvirt, most clouds' KVM guests; virtio-mmio for microVMs such as
# Firecracker). Budget: 7.5 MB zstd (README), of which the early-boot binary and its libraries take
# ~5 MB. Syntax as in generic.profile.
# Left out: NFS (0.9 MB with sunrpc and its helpers: over the budget; a VM with a network
# root takes the generic profile), and the emulated devices (e1000, PIIX IDE) a VM
# defined with virtio does not use; their probes were most of the generic image's
# coldplug time under emulation.

# --- virtio: the PCI and MMIO transports, disks (virtio-blk, virtio-scsi), network
drivers/virtio/virtio_pci.ko
drivers/virtio/virtio_mmio.ko
drivers/block/virtio_blk.ko
drivers/scsi/virtio_scsi.ko
drivers/scsi/sd_mod.ko
drivers/net/virtio_net.ko
# a CD-ROM on virtio-scsi, for a live image
drivers/scsi/sr_mod.ko

# --- roots: ext4 on a disk; a squashfs or ISO image through loop; the overlayfs mode
drivers/block/loop.ko
fs/ext4/*
fs/squashfs/*
fs/isofs/*
fs/overlayfs/*
