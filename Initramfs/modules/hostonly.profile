# Module profile "hostonly": not a list of modules but the classes of driver an early boot
# can need. `mkstateless build --hostonly` takes the modules this machine uses (those
# serving its devices' modaliases, and those loaded now) and keeps the ones these lines
# admit; the last line matching a module decides. Sound, graphics, wireless, cameras,
# sensors and the like stay out: the boot never needs them, amdgpu alone is megabytes
# with tens of megabytes of firmware, and each one loaded early only delays the root.
# The root filesystem's module and the boot basics (overlay, loop, squashfs) are added
# whatever this file says; other filesystems are mounted by the real system, not by us.
# Pass another file with --profile PATH to change the classes.

# --- storage: disks, controllers, RAID and device-mapper (LVM, dm-crypt), SD/eMMC
drivers/ata/**
drivers/block/**
drivers/nvme/**
drivers/scsi/**
drivers/md/**
drivers/mmc/**
drivers/usb/storage/**
# NVMe behind Intel VMD; Hyper-V's PCI pass-through
drivers/pci/controller/**

# --- hypervisor buses and their devices
drivers/virtio/**
# memory ballooning and hot-plug serve the running system, not the way to the root
!drivers/virtio/virtio_balloon.ko
!drivers/virtio/virtio_mem.ko
drivers/hv/**
drivers/xen/**

# --- keyboards, so a rescue shell can be typed into (PS/2 is built into Debian's kernel)
drivers/usb/host/**
drivers/usb/common/**
drivers/usb/core/**
drivers/hid/**
!drivers/hid/hid-sensor-*
!drivers/hid/intel-ish-hid/**
!drivers/hid/amd-sfh-hid/**
drivers/input/keyboard/**
drivers/input/serio/**

# --- network interfaces, for roots over the network (wired only)
drivers/net/ethernet/**
drivers/net/usb/**
drivers/net/phy/**
drivers/net/mdio/**
drivers/net/hyperv/**
drivers/net/vmxnet3/**
drivers/net/bonding/**
drivers/net/virtio_net.ko
drivers/net/xen-netfront.ko

# --- cryptography in use (dm-crypt ciphers, their CPU-accelerated forms)
crypto/**
arch/x86/crypto/**
