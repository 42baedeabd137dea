/**
 * Float64 references for the convolution tests: direct loops over every index (obviously
 * right, slow), with the gradients of sum(y * r) for a given r written in the same loops.
 */

export interface RefConv {
  n: number; c: number; h: number; w: number;
  k: number; kh: number; kw: number;
  sh: number; sw: number;
  /** top/left padding; the output size decides how much bottom/right padding there is */
  ph: number; pw: number;
  dh: number; dw: number;
  oh: number; ow: number;
  groups: number;
}

/** y[n,k,oh,ow] = b[k] + sum over c in k's group, i, j of x[n,c,oh*sh-ph+i*dh, ow*sw-pw+j*dw] * w[k,c',i,j]. */
export function refConv2d(g: RefConv, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, r: ArrayLike<number> | null) {
  const cg = g.c / g.groups;
  const kg = g.k / g.groups;
  const y = new Float64Array(g.n * g.k * g.oh * g.ow);
  const gx = new Float64Array(g.n * g.c * g.h * g.w);
  const gw = new Float64Array(g.k * cg * g.kh * g.kw);
  const gb = new Float64Array(g.k);
  for (let n = 0; n < g.n; n++) {
    for (let k = 0; k < g.k; k++) {
      const grp = Math.floor(k / kg);
      for (let oh = 0; oh < g.oh; oh++) {
        for (let ow = 0; ow < g.ow; ow++) {
          const yi = ((n * g.k + k) * g.oh + oh) * g.ow + ow;
          const rv = r ? r[yi] : 0;
          let s = b ? b[k] : 0;
          gb[k] += rv;
          for (let cc = 0; cc < cg; cc++) {
            const c = grp * cg + cc;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * g.sh - g.ph + i * g.dh;
              if (ih < 0 || ih >= g.h) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * g.sw - g.pw + j * g.dw;
                if (iw < 0 || iw >= g.w) continue;
                const xi = ((n * g.c + c) * g.h + ih) * g.w + iw;
                const wi = ((k * cg + cc) * g.kh + i) * g.kw + j;
                s += x[xi] * w[wi];
                gx[xi] += rv * w[wi];
                gw[wi] += rv * x[xi];
              }
            }
          }
          y[yi] = s;
        }
      }
    }
  }
  return { y, gx, gw, gb };
}

/**
 * Transposed convolution, written as its own scatter loop (not via refConv2d): every input
 * element x[n, ci, a, bb] adds x * w[ci, co, i, j] to y[n, co, a*sh - ph + i*dh, bb*sw - pw + j*dw].
 * g describes the output [n, cout, oh, ow] and the input [n, cin, h, w].
 */
export function refConvTranspose2d(
  g: { n: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oh: number; ow: number; groups: number },
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, r: ArrayLike<number> | null,
) {
  const cinG = g.cin / g.groups;
  const coutG = g.cout / g.groups;
  const y = new Float64Array(g.n * g.cout * g.oh * g.ow);
  const gx = new Float64Array(g.n * g.cin * g.h * g.w);
  const gw = new Float64Array(g.cin * coutG * g.kh * g.kw);
  const gb = new Float64Array(g.cout);
  for (let n = 0; n < g.n; n++) {
    for (let co = 0; co < g.cout; co++) {
      for (let p = 0; p < g.oh * g.ow; p++) {
        const yi = (n * g.cout + co) * g.oh * g.ow + p;
        if (b) y[yi] = b[co];
        if (r) gb[co] += r[yi];
      }
    }
    for (let ci = 0; ci < g.cin; ci++) {
      const grp = Math.floor(ci / cinG);
      for (let a = 0; a < g.h; a++) {
        for (let bb = 0; bb < g.w; bb++) {
          const xi = ((n * g.cin + ci) * g.h + a) * g.w + bb;
          for (let cc = 0; cc < coutG; cc++) {
            const co = grp * coutG + cc;
            for (let i = 0; i < g.kh; i++) {
              const oy = a * g.sh - g.ph + i * g.dh;
              if (oy < 0 || oy >= g.oh) continue;
              for (let j = 0; j < g.kw; j++) {
                const ox = bb * g.sw - g.pw + j * g.dw;
                if (ox < 0 || ox >= g.ow) continue;
                const yi = ((n * g.cout + co) * g.oh + oy) * g.ow + ox;
                const wi = ((ci * coutG + cc) * g.kh + i) * g.kw + j;
                y[yi] += x[xi] * w[wi];
                if (r) {
                  gx[xi] += r[yi] * w[wi];
                  gw[wi] += r[yi] * x[xi];
                }
              }
            }
          }
        }
      }
    }
  }
  return { y, gx, gw, gb };
}
