using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using Spectre.Console;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// Progress for people, on stderr only: a live status line (Spectre.Console) when stderr is a
/// terminal, plain lines when it is redirected (a script, SSH without a tty), nothing with -q.
/// </summary>
internal sealed class ConsoleProgress : ICollectionProgress
{
    private readonly IAnsiConsole? _console;
    private readonly TextWriter? _plain;
    private int _phaseTotal;
    private int _phaseDone;

    private ConsoleProgress(IAnsiConsole? console, TextWriter? plain)
    {
        _console = console;
        _plain = plain;
    }

    public static ICollectionProgress Create(bool quiet)
    {
        if (quiet)
        {
            return ICollectionProgress.None;
        }
        if (!Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Console.Error),
                Interactive = InteractionSupport.Yes,
            });
            return new ConsoleProgress(console, null);
        }
        return new ConsoleProgress(null, Console.Error);
    }

    public void PhaseStarted(CollectionPhase phase, int containerCount, bool nested)
    {
        _phaseTotal = containerCount;
        _phaseDone = 0;
        Write($"{Name(phase)} phase{(nested ? " of nested runtimes" : "")}: {containerCount} container(s)");
    }

    public void ContainerStarted(ContainerInfo container, CollectionPhase phase)
    {
        if (_console is not null)
        {
            // One status line, rewritten in place.
            _console.Write(new Text($"\r\u001b[2K[{_phaseDone + 1}/{_phaseTotal}] {Name(phase)}: {Label(container)}"));
        }
    }

    public void ContainerFinished(ContainerInfo container, CollectionPhase phase, bool succeeded)
    {
        _phaseDone++;
        if (_console is not null)
        {
            if (!succeeded)
            {
                _console.Write(new Text("\r\u001b[2K"));
                _console.MarkupLine($"[yellow]{Markup.Escape(Name(phase))}: {Markup.Escape(Label(container))}: incomplete (see the archive's errors)[/]");
            }
            if (_phaseDone == _phaseTotal)
            {
                _console.Write(new Text("\r\u001b[2K"));
            }
        }
        else
        {
            _plain?.WriteLine($"cfir: [{_phaseDone}/{_phaseTotal}] {Name(phase)}: {Label(container)}{(succeeded ? "" : " (incomplete)")}");
        }
    }

    private void Write(string line)
    {
        if (_console is not null)
        {
            _console.Write(new Text("\r\u001b[2K"));
            _console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        }
        else
        {
            _plain?.WriteLine($"cfir: {line}");
        }
    }

    private static string Name(CollectionPhase phase) => phase.ToString().ToLowerInvariant();

    // Container names come from the compromised host: strip control characters before they reach a terminal.
    /// <summary>"docker/web", "containerd/app in docker/kind-control-plane" for a container of a nested runtime.</summary>
    private static string Label(ContainerInfo c) => Sanitize($"{c.Runtime}/{c.Name ?? c.Id[..Math.Min(12, c.Id.Length)]}{NestingLink.Phrase(c.NestedIn)}");

    internal static string Sanitize(string text) => new(text.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
}
