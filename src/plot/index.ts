/**
 * Charts for notebooks, the CLI and reports, rendered without a browser.
 *
 * Why hand-built SVG: every chart here is a few dozen rectangles, lines and labels, so writing the
 * SVG directly is short, dependency-free and gives byte-stable output that tests can parse. A
 * charting library would add weight without adding anything we use: vega 6 is ESM-only and fails
 * to load under tslab (CommonJS), nodeplotlib starts a server and opens a browser (useless in CI
 * and headless notebooks). PNGs come from @resvg/resvg-js (a prebuilt native renderer, no browser)
 * with the DejaVu fonts bundled through the `dejavu-fonts-ttf` package, so text renders the same on
 * a fresh machine with no system fonts.
 */
export { createFigure, createLiveView, renderPng } from './figure';
export type { Figure, LiveView } from './figure';
export { imageGrid } from './imageGrid';
export type { ImageGridOptions, GridImages } from './imageGrid';
export { trainingCurves } from './trainingCurves';
export type { TrainingCurvesOptions, EpochRecord } from './trainingCurves';
export { confusionHeatmap } from './confusionHeatmap';
export type { ConfusionHeatmapOptions } from './confusionHeatmap';
export { barChart } from './barChart';
export type { BarChartOptions } from './barChart';
export { pictureGrid } from './pictureGrid';
export type { Picture, PictureGridOptions } from './pictureGrid';
