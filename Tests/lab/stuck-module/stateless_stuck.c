// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose initialisation does not return for `seconds` (default 600), as a driver
 * stuck on broken hardware: Tests/Scenarios/boot-stuck-module loads it at boot and checks
 * that the boot gives up on it within stateless.module-timeout and still reaches the real
 * init. Built by the suite against the test kernel's headers; never shipped.
 */
#include <linux/delay.h>
#include <linux/module.h>

static unsigned int seconds = 600;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long the initialisation sleeps");

static int __init stuck_init(void)
{
	pr_info("stateless_stuck: initialisation sleeps for %u s\n", seconds);
	ssleep(seconds);
	return 0;
}

static void __exit stuck_exit(void)
{
}

module_init(stuck_init);
module_exit(stuck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stateless test: a module whose initialisation hangs");
