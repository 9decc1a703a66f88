// Types of stagePackage.mjs, for the tests that import it.
export declare const DEPLOYED_ROOTS: readonly string[];
export declare const DEPLOYED_STATIC: readonly string[];
export declare const DEPLOYED_ROOT_FILES: readonly string[];
export declare class StageError extends Error {}
export declare function requiredSpecifiers(source: string): string[];
export declare function checkRequireClosure(entry: string, dependencies: Record<string, string>): { files: string[]; packages: string[] };
export declare function stagePackage(options: { root: string; outDir: string; build?: boolean; install?: boolean; npmArgs?: string[] }): { files: string[]; packages: string[] };
