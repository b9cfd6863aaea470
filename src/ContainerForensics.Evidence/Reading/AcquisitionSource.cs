using ContainerForensics.Core.Collection;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The acquisition record's <c>source</c> (docs/evidence-format.md, "The acquisition record";
/// written by Core's <see cref="AcquisitionRecord"/>): live, or a disk image read dead-box
/// (<c>--root</c>) with its root, the mount it lay on and whether that mount was read-write (the
/// warning cfir gave), and who the imaged machine said it was. Null in archives written before
/// dead-box collection.
/// </summary>
/// <param name="Kind"><c>live</c> or <c>diskImage</c>.</param>
/// <param name="Root">The root as the responder named it, made absolute.</param>
/// <param name="ResolvedRoot">The directory the kernel opened (symbolic links along the root resolved).</param>
/// <param name="Mount">The mount the root lay on (from /proc/self/mountinfo); null with <see cref="MountProblem"/>.</param>
/// <param name="MountedReadWrite">The mount was read-write: cfir only read, but warned.</param>
/// <param name="MountProblem">Why no mount was found.</param>
/// <param name="Image">The imaged machine's hostname, machine id and OS, from its /etc.</param>
public sealed record AcquisitionSource(string? Kind, string? Root, string? ResolvedRoot, AcquisitionMount? Mount, bool? MountedReadWrite, string? MountProblem,
    AcquisitionImageFacts? Image)
{
    /// <summary>Read dead-box, from a disk image.</summary>
    public bool IsDiskImage => Kind == AcquisitionFields.InSource.DiskImage;

    internal static AcquisitionSource From(JsonFields f) => new(
        f.String(AcquisitionFields.InSource.Kind),
        f.String(AcquisitionFields.InSource.Root),
        f.String(AcquisitionFields.InSource.ResolvedRoot),
        f.Object(AcquisitionFields.InSource.Mount) is { } m ? AcquisitionMount.From(m) : null,
        f.Bool(AcquisitionFields.InSource.ReadWrite),
        f.String(AcquisitionFields.InSource.MountProblem),
        f.Object(AcquisitionFields.InSource.Image) is { } i ? AcquisitionImageFacts.From(i) : null);
}

/// <summary>A mount as /proc/self/mountinfo gave it: device (major:minor), source, filesystem type, mount point, per-mount and superblock options.</summary>
public sealed record AcquisitionMount(string? Device, string? Source, string? FsType, string? MountPoint, string? Options, string? SuperOptions)
{
    internal static AcquisitionMount From(JsonFields f) => new(
        f.String(AcquisitionFields.InSource.Device),
        f.String(AcquisitionFields.InSource.MountSource),
        f.String(AcquisitionFields.InSource.FsType),
        f.String(AcquisitionFields.InSource.MountPoint),
        f.String(AcquisitionFields.InSource.MountOptions),
        f.String(AcquisitionFields.InSource.SuperOptions));
}

/// <summary>Who the imaged machine said it was (its /etc/hostname, /etc/machine-id, os-release); each null when the image did not say.</summary>
public sealed record AcquisitionImageFacts(string? Hostname, string? MachineId, string? Os)
{
    internal static AcquisitionImageFacts From(JsonFields f) => new(
        f.String(AcquisitionFields.InHost.Hostname),
        f.String(AcquisitionFields.InHost.MachineId),
        f.String(AcquisitionFields.InHost.Os));
}
