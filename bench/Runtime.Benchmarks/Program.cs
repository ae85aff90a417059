using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Orleans.Chat.Runtime.Benchmarks.GrainCallBenchmarks).Assembly).Run(args);
