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

    [Theory]
    [InlineData("containers/nested/-/c/nested/docker/-/d/logs/stdout.log", "containers/nested/-/c/nested/docker/-/d", "docker", "logs")]
    [InlineData("containers/docker//c/metadata/", "containers/docker//c", "docker", "metadata")]
    [InlineData("containers/docker/-/c/nested/podman/-/d/nested/containerd/k8s.io/e/api/metadata/pod.json",
        "containers/docker/-/c/nested/podman/-/d/nested/containerd/k8s.io/e", "containerd", "api")]
    public void A_nested_container_belongs_to_the_runtime_after_the_last_nested_before_its_section(string path, string folder, string runtime, string section) =>
        Assert.Equal((folder, runtime, section), TriageReader.Locate(path));

    /// <summary>
    /// Against the rule written out plainly (split on '/', the first section segment from the
    /// fifth on that is not the last, the runtime after the last "nested" before it), on paths
    /// made of the segments that matter, empty ones included.
    /// </summary>
    [Fact]
    public void Agrees_with_the_rule_on_every_path_of_the_segments_that_matter()
    {
        string[] pieces = ["containers", "docker", "-", "nested", "containerd", "volatile", "logs", "filesystem", "api", "x", ""];
        var random = new Random(20);
        for (int n = 0; n < 50_000; n++)
        {
            var segments = new string[random.Next(1, 12)];
            for (int i = 0; i < segments.Length; i++)
            {
                segments[i] = i == 0 && random.Next(4) > 0 ? "containers" : pieces[random.Next(pieces.Length)];
            }
            string path = string.Join('/', segments);
            Assert.Equal(ByTheRule(path), TriageReader.Locate(path));
        }
    }

    private static (string, string, string)? ByTheRule(string path)
    {
        string[] sections = ["volatile", "metadata", "logs", "filesystem", "volumes", "api"];
        var segments = path.Split('/');
        if (segments.Length < 5 || segments[0] != "containers")
        {
            return null;
        }
        for (int i = 4; i < segments.Length - 1; i++)
        {
            if (sections.Contains(segments[i]))
            {
                int nested = Array.LastIndexOf(segments, "nested", i - 1);
                return (string.Join('/', segments[..i]), nested > 0 ? segments[nested + 1] : segments[1], segments[i]);
            }
        }
        return null;
    }
}
