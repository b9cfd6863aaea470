namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// libpod's container state numbers (define.ContainerStatus, libpod/define/containerstate.go:
/// 0 unknown, 1 configured, 2 created, 3 running, 4 stopped, 5 paused, 6 exited, 7 removing,
/// 8 stopping), as a dead box's records hold them, in the words a live collection uses: Podman's
/// compat API, where "configured" and "created" (made by the runtime, not started) read as
/// "created", "stopping" still "running", "stopped" "exited". One reading, so that the dead-box
/// listing, its folders and the report say of a container what a live collection says.
/// </summary>
public static class LibpodStatus
{
    public static string CompatName(int? state) => state switch
    {
        1 or 2 => "created",
        3 or 8 => "running",
        4 or 6 => "exited",
        5 => "paused",
        7 => "removing",
        _ => "unknown",
    };
}
