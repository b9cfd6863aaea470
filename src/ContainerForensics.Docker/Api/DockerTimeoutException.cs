using System.Globalization;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// The daemon did not answer the call within its time budget (<c>RuntimeSettings.CallTimeout</c>):
/// it accepted the connection, or not, and then said nothing.
/// </summary>
public sealed class DockerTimeoutException(string endpoint, string call, TimeSpan budget, Exception? inner = null)
    : DockerException(endpoint, call, $"no answer within {Format(budget)}", inner)
{
    public TimeSpan Budget { get; } = budget;

    private static string Format(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
