// dynalite ships no types: the two of its modules local/store/dynalite.ts loads, typed there.
declare module 'dynalite' {
  const dynalite: unknown;
  export default dynalite;
}
declare module 'dynalite/db/index.js' {
  const db: unknown;
  export default db;
}
