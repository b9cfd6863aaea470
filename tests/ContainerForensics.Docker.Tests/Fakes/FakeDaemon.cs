using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Transport;
using ContainerForensics.Docker.Discovery;

namespace ContainerForensics.Docker.Tests.Fakes;

/// <summary>Canned answers of real daemons (shapes taken from Docker 20.10 and Podman 4.3.1 on the rig).</summary>
internal static class FakeDaemon
{
    public static string DockerVersion(string apiVersion = "1.41", string minApiVersion = "1.12") => $$$"""
        {"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"20.10.24+dfsg1","Details":{"ApiVersion":"{{{apiVersion}}}","MinAPIVersion":"{{{minApiVersion}}}","Os":"linux"}}],"Version":"20.10.24+dfsg1","ApiVersion":"{{{apiVersion}}}","MinAPIVersion":"{{{minApiVersion}}}","GitCommit":"5d6db84","GoVersion":"go1.19.8","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"}
        """;

    public const string PodmanVersion = """
        {"Platform":{"Name":"linux/amd64/debian-12"},"Components":[{"Name":"Podman Engine","Version":"4.3.1","Details":{"APIVersion":"4.3.1","Arch":"amd64","MinAPIVersion":"4.0.0","Os":"linux"}},{"Name":"Conmon","Version":"conmon version 2.1.6","Details":{}}],"Version":"4.3.1","ApiVersion":"1.41","MinAPIVersion":"1.24","GitCommit":"","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"}
        """;

    /// <summary>A daemon that answers /version (any prefix) with <paramref name="versionJson"/> and the rest with <paramref name="rest"/>.</summary>
    public static Func<FakeRequest, FakeResponse> Handler(string versionJson, Func<FakeRequest, FakeResponse?>? rest = null, params (string, string)[] versionHeaders) => request =>
    {
        if (request.Path == "/version")
        {
            return FakeResponse.Json(versionJson, System.Net.HttpStatusCode.OK, versionHeaders);
        }
        return rest?.Invoke(request) ?? FakeResponse.Json("""{"message":"page not found"}""", System.Net.HttpStatusCode.NotFound);
    };

    public static Task<DockerClient> ConnectAsync(FakeDockerServer server, TimeSpan? timeout = null, int? maxJsonBytes = null)
    {
        var endpoint = DockerEndpoint.Parse(server.Endpoint);
        var connection = new DockerConnection(endpoint, DockerHandlerFactory.Create(endpoint), timeout ?? TimeSpan.FromSeconds(10), TimeProvider.System)
        {
            MaxJsonBytes = maxJsonBytes ?? DockerConnection.DefaultMaxJsonBytes,
        };
        return DockerClient.ConnectAsync(connection, CancellationToken.None);
    }

    public static RuntimeSettings Settings(TimeSpan? timeout = null, string? dockerHost = null, params (string Name, string? Value)[] environment) => new RuntimeSettings
    {
        CallTimeout = timeout ?? TimeSpan.FromSeconds(10),
        Environment = environment.ToDictionary(e => e.Name, e => e.Value),
    }.With(DockerOptions.Host, dockerHost);
}
