using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Tally.Bench.Micro -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Tally.Bench.Micro.HotPathBenchmarks).Assembly).Run(args);
