/** Where the core imports repository validation from; the implementation is repo.ts. */
export { validateRepo, isPipelineFile, pipelineIdFromPath, type PipelineFile } from './repo.ts';
