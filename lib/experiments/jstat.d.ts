// Types for the parts of jstat (https://github.com/jstat/jstat, no published typings) that
// lib/experiments uses. The package is CommonJS: its module.exports is the jStat object.
declare module "jstat" {
  interface Continuous {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  interface Discrete {
    cdf(k: number, n: number, p: number): number;
    pdf(k: number, n: number, p: number): number;
  }
  interface JStat {
    normal: Continuous;
    studentt: Continuous;
    binomial: Discrete;
  }
  const jStat: JStat;
  export default jStat;
}
