extension BootOptions {
    /// The options as hand-off facts (what `stateless cmdline` prints).
    public var summary: [(String, String)] {
        [("ROOT", root?.description ?? ""), ("ROOTFSTYPE", rootFilesystemType ?? ""),
         ("ROOTFLAGS", rootFlags ?? ""), ("ROOT_WRITABLE", rootWritable ? "1" : "0"),
         ("INIT", initPath ?? ""), ("NET", needsNetwork ? "1" : "0"), ("OVERLAY_MODE", overlayMode.rawValue),
         ("RD_TIMEOUT", String(deviceTimeoutSeconds)), ("RD_RETRY", String(retryBound(network: root?.needsNetwork == true))),
         ("RD_SHELL", shellOnFailure ? "1" : "0"), ("RD_EMERGENCY", emergencyAction.rawValue),
         ("EMERGENCY_DELAY", String(emergencyDelaySeconds)),
         ("MODULE_TIMEOUT", String(moduleTimeoutSeconds)), ("MOUNT_TIMEOUT", String(mountTimeoutSeconds)),
         ("RD_BREAK", breakPoints.map(\.rawValue).sorted().joined(separator: ",")),
         ("MODULE_BLACKLIST", moduleBlacklist.joined(separator: ",")),
         ("MODULE_PRELOAD", preloadModules.joined(separator: ",")),
         ("STATE", state.store?.description ?? ""), ("STATE_FALLBACK", state.fallback.rawValue),
         ("STATE_TIMEOUT", String(state.timeoutSeconds)), ("IDENTITY", state.perMachineIdentity ? "1" : "0")]
    }
}
