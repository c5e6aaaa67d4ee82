using Gongji.Cli;

return await Commands.RunAsync(args);
