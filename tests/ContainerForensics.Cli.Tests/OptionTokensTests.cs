using ContainerForensics.Cli.Tests.Support;

namespace ContainerForensics.Cli.Tests;

/// <summary>The reader behind HelpOptions_AgreeWithDocsUsage: it must find cfir's options and only those, or that test proves nothing.</summary>
public sealed class OptionTokensTests
{
    private const string Help = """
        Usage:
          cfir collect [<CONTAINER>...] [options]

        Options:
          -r, --runtime <auto|docker>  Runtime. Repeatable. [default: auto]
          -o, --output <PATH|->        Archive path (see --format).
          --max-file-size <SIZE>       Largest file.
          -?, -h, --help               Show help and usage information

        """;

    private const string Usage = """
        # Using cfir

        ```sh
        cfir collect -o x.tar.gz --case C1 | tee x | sha256sum --tag
        ssh root@host ./cfir verify - --json
        cfir --version
        ```

        Prose under no command mentions `--json` and --quiet: neither is attributed.

        ## `cfir collect`

        | Option | Meaning |
        | --- | --- |
        | `-o, --output PATH\|-` | Where. |
        | `--max-file-size SIZE` | Cut at (`--oversize`). |

        ### Endpoint discovery

        Candidates: `--docker-host`, else `$DOCKER_HOST`.

        ## `cfir list`

        Options: `-r, --runtime`, `--timeout`, as for collect.

        ## Extracting

        ```sh
        tar -C case --numeric-owner -xpf x.tar.gz
        ```

        Add `--xattrs --xattrs-include='*'` to restore extended attributes.
        """;

    [Fact]
    public void FromHelp_ReadsTheSignatureColumnOnly()
    {
        Assert.Equal(["--help", "--max-file-size", "--output", "--runtime"], OptionTokens.FromHelp(Help));
    }

    [Fact]
    public void FromUsageDoc_AttributesOptionsToCommandsAndIgnoresOtherTools()
    {
        var documented = OptionTokens.FromUsageDoc(Usage);

        Assert.Equal(["--case", "--docker-host", "--max-file-size", "--output", "--oversize"], documented["collect"]);
        Assert.Equal(["--runtime", "--timeout"], documented["list"]);
        Assert.Equal(["--json"], documented["verify"]);
        Assert.Equal(["--version"], documented[""]);
        Assert.Equal(["", "collect", "list", "verify"], documented.Keys.Order());
    }
}
