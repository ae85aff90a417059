extern alias CodeGenerator;

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using CodeGenerator::Orleans.Chat.Runtime.CodeGenerator;

namespace Orleans.Chat.Runtime.Tests;

public sealed class CodeGeneratorTests
{
    [Fact]
    public void Generate_ValidGrainAndObserverInterfaces_CompilesWithoutErrors()
    {
        var (diagnostics, generated) = Run("""
            using System.Threading.Tasks;
            using Orleans.Chat.Runtime;
            namespace Sample;
            public sealed record Item(string? Name, int Count);
            public interface IShopGrain : IGrainWithStringKey
            {
                ValueTask<Item?> FindAsync(string? name, int @class);
                Task AddAsync(Item item);
                Task<int> CountAsync();
                [ReadOnly] ValueTask PingAsync();
                [OneWay] ValueTask NotifyAsync(string Arg0);
            }
            public interface IShopObserver : IGrainObserver { ValueTask OnItemAsync(Item item); }
            """);

        Assert.Empty(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(2, generated.Length);
        Assert.Contains(generated, s => s.Contains("InvokeFlags.ReadOnly", StringComparison.Ordinal));
        Assert.Contains(generated, s => s.Contains("ModuleInitializer", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ValueTask<T> GetAsync<T>();", "generic grain methods")]
    [InlineData("int Count { get; }", "may only declare methods")]
    [InlineData("int Count();", "must return Task")]
    [InlineData("ValueTask SetAsync(ref int value);", "ref, in and out")]
    public void Generate_UnsupportedMember_ReportsOchat001(string member, string expected)
    {
        var (diagnostics, _) = Run($$"""
            using System.Threading.Tasks;
            using Orleans.Chat.Runtime;
            namespace Sample;
            public interface IBadGrain : IGrainWithStringKey { {{member}} }
            """);

        var error = Assert.Single(diagnostics, d => d.Id == "OCHAT001");
        Assert.Contains(expected, error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_InterfaceNotDerivedFromGrainOrObserver_GeneratesNothing()
    {
        var (_, generated) = Run("""
            using System;
            namespace Sample;
            public interface IPlain : IDisposable { }
            """);

        Assert.Empty(generated);
    }

    [Fact]
    public void GeneratedInvokable_JsonRoundTrip_KeepsTheCallAsData()
    {
        var type = typeof(Grains.ICounterGrain).Assembly.GetTypes()
            .Single(t => t.Namespace == "OrleansChatGenerated" && t.Name.Contains("_ICounterGrain_SaveAsync_", StringComparison.Ordinal));
        var options = new System.Text.Json.JsonSerializerOptions { IncludeFields = true };
        var call = (Invocation.IInvokable<Invocation.NoResult>)Activator.CreateInstance(type, 42)!;

        var json = System.Text.Json.JsonSerializer.Serialize(call, type, options);
        var copy = (Invocation.IInvokable<Invocation.NoResult>)System.Text.Json.JsonSerializer.Deserialize(json, type, options)!;

        Assert.Contains("\"Arg0\":42", json, StringComparison.Ordinal);
        Assert.Equal(42, type.GetField("Arg0")!.GetValue(copy));
        Assert.Equal(("Orleans.Chat.Runtime.Tests.Grains.ICounterGrain", "SaveAsync"), (copy.InterfaceName, copy.MethodName));
    }

    private static (ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<string> Generated) Run(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(IGrain).Assembly.Location));
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create(
            "Sample",
            [CSharpSyntaxTree.ParseText(source, parseOptions)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var driver = CSharpGeneratorDriver.Create([new GrainReferenceGenerator().AsSourceGenerator()], parseOptions: parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        var diagnostics = generatorDiagnostics.AddRange(output.GetDiagnostics());
        return (diagnostics, [.. result.GeneratedTrees.Select(t => t.ToString())]);
    }
}
