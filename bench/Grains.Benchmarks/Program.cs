using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Orleans.Chat.Grains.Benchmarks.GrainCallBenchmarks).Assembly).Run(args);
