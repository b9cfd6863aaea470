using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Each runtime provider owns its options: <c>--runtime</c> takes the providers' names and the
/// commands offer the options the providers declare, handing the values back to their owner.
/// In process, with a provider of the test's own in place of the real ones.
/// </summary>
public sealed class ProviderOptionsTests
{
    private static readonly RuntimeOption Endpoint = new("--fake-endpoint", "where the fake runtime listens", "URL");

    [Theory]
    [InlineData("list")]
    [InlineData("collect")]
    public async Task A_providers_option_is_offered_and_its_value_reaches_that_provider(string command)
    {
        var provider = new OptionProvider();
        var stderr = new StringWriter();
        var env = new CliEnvironment { Providers = () => [provider], Stderr = stderr, StdoutIsTerminal = false, OpenStdout = () => new MemoryStream() };

        int code = await Program.RunAsync([command, "--runtime", "fake", "--fake-endpoint", "unix:///tmp/fake.sock"], env, null, () => Stream.Null);

        Assert.True(code == (int)ExitCode.NoRuntime, stderr.ToString()); // the fake answers nothing: no archive, exit 3
        var settings = Assert.Single(provider.Probed);
        Assert.Equal("unix:///tmp/fake.sock", settings.Option(Endpoint));
    }

    [Fact]
    public async Task Runtime_names_and_options_come_from_the_providers_not_a_list_of_our_own()
    {
        var stderr = new StringWriter();
        var env = new CliEnvironment { Providers = () => [new OptionProvider()], Stderr = stderr, StdoutIsTerminal = false };

        Assert.Equal((int)ExitCode.UsageError, await Program.RunAsync(["list", "--runtime", "docker"], env, null, () => Stream.Null));
        Assert.Equal((int)ExitCode.UsageError, await Program.RunAsync(["list", "--docker-host", "unix:///x"], env, null, () => Stream.Null));
        Assert.Contains("'docker'", stderr.ToString(), StringComparison.Ordinal);
    }

    private sealed class OptionProvider : IRuntimeProvider
    {
        public List<RuntimeSettings> Probed { get; } = [];

        public string Name => "fake";

        public IReadOnlyList<RuntimeOption> Options => [Endpoint];

        public Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken)
        {
            Probed.Add(settings);
            return Task.FromResult<IReadOnlyList<RuntimeProbe>>([RuntimeProbe.NotFound(Name, settings.Option(Endpoint) ?? "-", "nothing listens here")]);
        }
    }
}
