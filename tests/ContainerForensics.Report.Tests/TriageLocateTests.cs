using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>Which container an archive path belongs to, whatever names the container's own files have.</summary>
public sealed class TriageLocateTests
{
    [Theory]
    [InlineData("containers/docker/-/web_0123456789ab/volatile/processes.json", "containers/docker/-/web_0123456789ab", "docker", "volatile")]
    [InlineData("containers/docker/-/web_0123456789ab/filesystem/changed/srv/api/logs/metadata/x", "containers/docker/-/web_0123456789ab", "docker", "filesystem")]
    [InlineData("containers/docker/-/node_0123456789ab/nested/containerd/k8s.io/pods/a_b_c/app_0123456789ab/metadata/spec.json",
        "containers/docker/-/node_0123456789ab/nested/containerd/k8s.io/pods/a_b_c/app_0123456789ab", "containerd", "metadata")]
    public void The_first_section_from_the_left_ends_the_folder(string path, string folder, string runtime, string section) =>
        Assert.Equal((folder, runtime, section), TriageReader.Locate(path));

    [Theory]
    [InlineData("runtimes/docker/metadata/info.json")]
    [InlineData("acquisition/acquisition.json")]
    [InlineData("containers/docker/-/web_0123456789ab")]
    public void Paths_outside_a_container_belong_to_none(string path) => Assert.Null(TriageReader.Locate(path));
}
