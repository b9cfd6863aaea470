using System.Globalization;
using ContainerForensics.Bench.KubeStandIn;
using ContainerForensics.TestSupport.Kubernetes;

// bench/KubeStandIn DIR [PODS EVENTS LINES]: fills a stand-in API server (BenchNamespace), writes
// DIR/kubeconfig and DIR/ready, and serves until stdin closes; then writes DIR/requests.tsv (one
// request per line: method, path, query, status) for the API-calls-per-pod figure.
if (args.Length is not (1 or 4))
{
    Console.Error.WriteLine("usage: KubeStandIn DIR [PODS EVENTS LINES-PER-LOG]");
    return 2;
}
string dir = Path.GetFullPath(args[0]);
Directory.CreateDirectory(dir);
var shape = args.Length == 4
    ? new BenchNamespace(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture))
    : new BenchNamespace(500, 5000, 200);
var cluster = new StandInCluster();
shape.Fill(cluster);
await using var server = await StandInApiServer.StartAsync(cluster);
server.WriteKubeconfig(dir);
await File.WriteAllTextAsync(Path.Join(dir, "ready"), server.BaseUri.ToString());
Console.Error.WriteLine($"stand-in at {server.BaseUri}: {shape.Pods} pods, {shape.Events} events, {shape.Pods * 2} log streams of {shape.LinesPerLog} lines");
// Serve until the benchmark closes our stdin.
await Console.In.ReadToEndAsync();
await File.WriteAllLinesAsync(Path.Join(dir, "requests.tsv"),
    server.Requests.Select(r => string.Join('\t', r.Method, r.Path, r.QueryString, r.StatusCode.ToString(CultureInfo.InvariantCulture))));
return 0;
